import { defineConfig } from 'vite';

/**
 * The operator console, served by the gateway at /console. The gateway's CSP forbids inline script and
 * style, so the build must emit files only: no inlined assets, CSS in its own file, and the module
 * preload helper bundled into the entry chunk (Vite never inlines it in a production build).
 */
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', development: command !== 'build' } },
  // A build is always React's production build, even when started from a test runner (NODE_ENV=test).
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev:console` proxies the admin API to a running sandbox on the default port.
    proxy: { '/admin/api': 'http://127.0.0.1:8080' },
  },
}));
