/// <reference types="vitest/config" />
import path from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// Tauri serves ui/dist in the app and http://localhost:5173 in `tauri dev` (see tauri.conf.json at the root).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname, "src") },
  },
  // Tauri's CLI prints its own errors; keep Vite from clearing them off the terminal.
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    // WebKitGTK on Debian bookworm is Safari 16-class; don't emit syntax it lacks.
    target: ["es2022", "safari16"],
    sourcemap: false,
    // Loaded from the local disk by the app, never over a network: one bundle is fine.
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
