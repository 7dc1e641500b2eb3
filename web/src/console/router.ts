import { createRouter, createWebHistory } from 'vue-router'
import { api, refreshMe, session } from './state'

const page = (name: string, path: string, component: () => Promise<unknown>) => ({ path, name, component, meta: { page: name } })

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./components/Layout.vue'),
      children: [
        page('dashboard', '', () => import('./pages/Dashboard.vue')),
        page('members', 'members', () => import('./pages/Members.vue')),
        { ...page('members', 'members/:id', () => import('./pages/MemberDetail.vue')), name: 'member' },
        page('orders', 'orders', () => import('./pages/Orders.vue')),
        page('withdrawals', 'withdrawals', () => import('./pages/Withdrawals.vue')),
        page('products', 'products', () => import('./pages/Products.vue')),
        page('plan', 'plan', () => import('./pages/Plan.vue')),
        page('designer', 'designer', () => import('./pages/Designer.vue')),
        page('ledger', 'ledger', () => import('./pages/Ledger.vue')),
        page('audit', 'audit', () => import('./pages/Audit.vue')),
        page('staff', 'staff', () => import('./pages/Staff.vue')),
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ] as never,
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!api.token) return { path: '/login', query: { next: to.fullPath } }
  if (!session.me) await refreshMe()
  // Members have tokens too, but the console is for staff only.
  if (!session.me || session.me.role === 'member') {
    api.token = ''
    return { path: '/login', query: { next: to.fullPath, denied: session.me ? '1' : undefined } }
  }
  // A page the role may not open (PAGE_ROLES) is not skipped silently: Layout shows 无权限 in its
  // place, with the reason and a way back.
  return true
})
