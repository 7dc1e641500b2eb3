import { createApp } from 'vue'
import Vant from 'vant'
import 'vant/lib/index.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from '../shared/i18n'
import { api, loadShopInfo, refreshMe } from './state'

api.onUnauthorized = () => {
  const next = router.currentRoute.value.fullPath
  router.replace({ path: '/login', query: { next } })
}
void loadShopInfo()
void refreshMe()
createApp(App).use(router).use(i18n).use(Vant).mount('#app')
