// No React plugin: Vite's built-in esbuild already understands JSX, which keeps the
// dependencies to react, react-dom and vite.
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  // "build", like Create React App, so the tutorial's `COPY --from=builder /app/build` works as written.
  build: { outDir: "build" },
  server: { host: "0.0.0.0", port: 3000 },
});
