/**
 * A `Generator` that prompts a chat model through its chat template: each request's prompt is code to
 * continue, rendered by chatCodePrompt (a user turn asking for it, the assistant's reply opened with the
 * code), so the completions continue the code as a base model's would and callers (eval, labelling) need
 * not know the model is a chat model.
 */
import { chatCodePrompt, chatCodeStops, type ChatTemplate } from "../model/chat-template.js";
import type { Completion, CompletionRequest, Generator } from "./types.js";

export class ChatCodeGenerator implements Generator {
  constructor(
    private readonly inner: Generator & { dispose?: () => void },
    readonly template: ChatTemplate,
  ) {}

  complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    return this.inner.complete(
      requests.map((r) => ({
        ...r,
        prompt: chatCodePrompt(this.template, r.prompt),
        stop: [...(r.stop ?? []), ...chatCodeStops],
      })),
    );
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
