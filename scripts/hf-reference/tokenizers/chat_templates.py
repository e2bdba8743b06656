"""Renders chat templates with transformers' own apply_chat_template, and saves each as transformers does.

usage: chat_templates.py CASES.json OUT_DIR
  CASES.json: {"templates": {name: {"file": path.jinja, "special": {"bos_token": …, …}}},
               "conversations": [[{"role": …, "content": …}, …], …]}
  For each template, OUT_DIR/<name>/ gets what save_pretrained writes (tokenizer_config.json, and
  chat_template.jinja in transformers versions that write it there), and OUT_DIR/<name>/expected.json:
    {"with_prompt": [text or {"error": message}, …], "without_prompt": [...]} per conversation.
"""

import json
import os
import sys

os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer, models  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402


def render(tok, conversation, add_generation_prompt):
    try:
        return tok.apply_chat_template(conversation, tokenize=False, add_generation_prompt=add_generation_prompt)
    except Exception as err:  # the template's raise_exception, as the caller would see it
        return {"error": str(err)}


def main():
    cases_file, out_dir = sys.argv[1], sys.argv[2]
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    for name, case in cases["templates"].items():
        with open(case["file"], encoding="utf-8") as f:
            template = f.read()
        # The tokenizer's vocabulary plays no part in rendering; an empty BPE stands in for it.
        tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.BPE()), chat_template=template, **case["special"])
        folder = os.path.join(out_dir, name)
        tok.save_pretrained(folder)
        expected = {
            "with_prompt": [render(tok, c, True) for c in cases["conversations"]],
            "without_prompt": [render(tok, c, False) for c in cases["conversations"]],
        }
        with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
