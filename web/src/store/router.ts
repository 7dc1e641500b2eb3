import { createRouter, createWebHistory } from 'vue-router'
import { api } from './state'

const routes = [
  { path: '/', name: 'home', component: () => import('./pages/Products.vue'), meta: { tab: 'home', public: true } },
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true } },
  { path: '/register', name: 'register', component: () => import('./pages/Register.vue'), meta: { public: true } },
  { path: '/product/:sku', name: 'product', component: () => import('./pages/Checkout.vue'), meta: { public: true } },
  { path: '/orders', name: 'orders', component: () => import('./pages/Orders.vue'), meta: { tab: 'orders' } },
  { path: '/order/:id', name: 'order', component: () => import('./pages/OrderDetail.vue') },
  { path: '/team', name: 'team', component: () => import('./pages/Team.vue'), meta: { tab: 'team' } },
  { path: '/earnings', name: 'earnings', component: () => import('./pages/Earnings.vue') },
  { path: '/wallet', name: 'wallet', component: () => import('./pages/Wallet.vue') },
  { path: '/invite', name: 'invite', component: () => import('./pages/Invite.vue') },
  { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { tab: 'me' } },
  // Invite links are <public_url>/h5/?ref=CODE&ch=CHANNEL: straight to registration, query kept.
  {
    path: '/h5/:rest(.*)*',
    redirect: (to: { query: Record<string, unknown> }) => ({ path: to.query.ref ? '/register' : '/', query: to.query }),
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/'), routes: routes as never })

router.beforeEach((to) => {
  // A link with ?ref= on any page starts registration for a visitor.
  if (!api.token && to.query.ref && to.name !== 'register') return { path: '/register', query: to.query }
  if (!to.meta.public && !api.token) return { path: '/login', query: { next: to.fullPath } }
  return true
})
