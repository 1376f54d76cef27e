import { defineConfig } from 'vite';

// Built with the repository's Vite: node_modules/.bin/vite build tests/vite-app
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
