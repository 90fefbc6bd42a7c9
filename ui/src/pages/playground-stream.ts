import type { ChatPiece } from "@/bindings";

/** The two answers as they stream in. */
export type Answers = { base: string; adapter: string; tokens: { base: number; adapter: number } };

export const EMPTY_ANSWERS: Answers = { base: "", adapter: "", tokens: { base: 0, adapter: 0 } };

/** Adds one streamed piece to its side; anything but `base` or `adapter` is ignored. */
export function appendPiece(answers: Answers, piece: ChatPiece): Answers {
  if (piece.side === "base") return { ...answers, base: answers.base + piece.text };
  if (piece.side === "adapter") return { ...answers, adapter: answers.adapter + piece.text };
  return answers;
}
