// The React page of tests/frameworks/react.test.mjs, built with the repository's Vite:
//
//   node_modules/.bin/vite build --config tests/frameworks/react/vite.config.js
//
// `session-keeper` resolves to the built package (pkg/, or $SK_PKG_DIR), the way an app that
// installed it would import it. React's development build, so that React's own checks run
// (useSyncExternalStore warns when getSnapshot returns a new object for the same state); no
// @vitejs/plugin-react: Vite's own transform handles the JSX of a production-like build.
import path from 'node:path';
import { defineConfig } from 'vite';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const pkgDir = path.resolve(root, process.env.SK_PKG_DIR || 'pkg');

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  mode: 'development',
  logLevel: 'warn',
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  resolve: {
    alias: [{ find: /^session-keeper$/, replacement: path.join(pkgDir, 'session_keeper.js') }],
  },
  build: {
    outDir: path.join(root, 'target', 'frameworks', 'react'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
  },
});
