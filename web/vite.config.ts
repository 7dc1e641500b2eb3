// One Vite project, two apps: the member H5 store (index.html → /) and the staff console
// (admin/index.html → /admin/). `guanxi serve --static web/dist` serves both; during development
// `npm run dev` proxies /api to a running guanxi (GUANXI_URL, default http://127.0.0.1:8080).
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))

// In development, deep links into the console (/admin/members/12) get the console's page, as
// `guanxi serve` does with its history fallback.
const consoleFallback: Plugin = {
  name: 'guanxi-console-fallback',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      const path = (req.url ?? '').split('?')[0]
      if ((path === '/admin' || path.startsWith('/admin/')) && !path.split('/').pop()!.includes('.')) req.url = '/admin/index.html'
      next()
    })
  },
}

export default defineConfig({
  plugins: [vue(), consoleFallback],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        store: resolve(here, 'index.html'),
        console: resolve(here, 'admin/index.html'),
      },
    },
  },
  server: {
    proxy: { '/api': process.env.GUANXI_URL ?? 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
})
