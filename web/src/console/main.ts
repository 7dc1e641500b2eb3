import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from '../shared/i18n'
import { api, loadShopInfo } from './state'

api.onUnauthorized = () => {
  const next = router.currentRoute.value.fullPath
  router.replace({ path: '/login', query: { next } })
}
void loadShopInfo()
createApp(App).use(router).use(i18n).use(ElementPlus).mount('#app')
