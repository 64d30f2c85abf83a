// Builds the web UI into dist/ui, where the agent serves it from ui_config.content_path.
// Asset URLs are relative and resolve against index.html's <base href>, which the agent sets to the
// content path, so one build works under /ui/ or any -ui-content-path.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(({ command }) => ({
  root,
  base: command === 'build' ? './' : '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  // `npx vite --config ui/vite.config.ts` for development against a dev agent on 127.0.0.1:8500.
  server: { proxy: { '/v1': 'http://127.0.0.1:8500' } },
}));
