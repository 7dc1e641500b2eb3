// One Vite project, two apps: the member H5 store (index.html → /) and the staff console
// (admin/index.html → /admin/). `guanxi serve --static web/dist` serves both; during development
// `npm run dev` proxies /api to a running guanxi (GUANXI_URL, default http://127.0.0.1:8080).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  plugins: [vue()],
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
