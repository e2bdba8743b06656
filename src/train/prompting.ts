/**
 * How an RL trainer shows a problem to the policy (issue 17): a base model continues the prompt (the
 * function's signature and docstring) as it is; a chat model gets it through its own chat template as a
 * user turn asking for the code, with the assistant's reply opened by the code (chatCodePrompt, as `eval
 * --chat-template` prompts it), so its response still continues the code and starter + response is the
 * program. The PRM scores the response against the plain prompt either way: its steps are code lines.
 */
import { chatCodePrompt, chatCodeStops, chatTemplateOption } from "../model/chat-template.js";
import { defaultStops } from "../eval/evaluate.js";
import type { Problem } from "../problems/types.js";
import { ConfigError } from "../runs/index.js";

export interface Prompting {
  /** The text the policy continues for `problem`. */
  text: (problem: Problem) => string;
  /** Where a response ends. */
  stops: readonly string[];
}

export const plainPrompting: Prompting = { text: (p) => p.prompt, stops: defaultStops };

/**
 * The prompting a config's `chatTemplate` asks for: null the plain prompt; "auto" the policy checkpoint's
 * own template (chat_template.jinja or tokenizer_config.json's chat_template); else a .jinja file. A
 * template that cannot be used is a ConfigError naming `trainer`'s field.
 */
export function promptingFor(chatTemplate: string | null, policy: string, trainer: string): Prompting {
  if (chatTemplate === null || chatTemplate === "none") return plainPrompting;
  let template;
  try {
    template = chatTemplateOption(chatTemplate, policy);
  } catch (e) {
    throw new ConfigError(
      `${trainer}: chatTemplate ${JSON.stringify(chatTemplate)}: ${(e as Error).message}`,
    );
  }
  if (!template)
    throw new ConfigError(
      `${trainer}: chatTemplate "auto": the policy ${policy} has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json); give a .jinja file, or none (null in a config) for a base model`,
    );
  return {
    text: (p) => chatCodePrompt(template, p.prompt),
    stops: [...defaultStops, ...chatCodeStops],
  };
}
