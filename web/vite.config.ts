// The admin panel's build: React with Vite, output in web/dist, which the API serves at /.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  // `npm run dev:web` proxies the API of a server started with `npm start`.
  server: { proxy: { '/api': 'http://127.0.0.1:5001' } },
});
