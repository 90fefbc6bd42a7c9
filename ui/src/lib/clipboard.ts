/**
 * Copies text. The async Clipboard API first; WebKitGTK may refuse it outside a user gesture or a secure
 * origin, so a selected, off-screen textarea and `execCommand("copy")` are the fallback.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // fall through to the old way
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.left = "-9999px";
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("The clipboard is not available.");
}
