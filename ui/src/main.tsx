import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "@/app";
import { recordPageProblems } from "@/lib/error-log";
import "@/index.css";

recordPageProblems();

const root = document.getElementById("root");
if (!root) throw new Error("index.html lacks the #root element");

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
