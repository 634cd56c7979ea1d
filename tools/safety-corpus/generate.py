#!/usr/bin/env python3
"""Writes the synthetic prompt-injection corpus: data/safety/injection_{train,eval}.jsonl.

    tools/safety-corpus/generate.py [--out DIR]   (default: data/safety beside this tool)

Standard library only, fixed seed, deterministic output. The train and eval splits are built
from disjoint phrase pools (pools*.py, each pool a (train, eval) pair) and disjoint
obfuscation variants (transforms.py), so the eval split measures generalisation to phrasings
the training split never shows. Records follow shared/data/README.md: id, text, label
("injection" | "benign") and family (an injection family or null).
"""

import argparse
import json
import os
import random

import pools as A
import pools_benign as B
import pools_lang as L
import pools_vocab as V
import transforms as T

SEED = 20240611
SIZES = {"train": 5000, "eval": 2000}


class Gen:
    """Draws phrases for one split (0 train, 1 eval)."""

    def __init__(self, split, rng):
        self.split = split
        self.rng = rng

    def pick(self, pool):
        return self.rng.choice(pool[self.split])

    def maybe(self, pool, p=0.5):
        return self.pick(pool) if self.rng.random() < p else ""

    # --- attack cores --------------------------------------------------------------
    def override(self):
        return "{} {} {} {}".format(self.pick(A.OVERRIDE_VERB), self.pick(A.PRIOR_OBJECT),
                                    self.pick(A.CONNECTOR), self.pick(A.HARMFUL_GOAL))

    def core(self):
        """Any short English attack sentence."""
        kind = self.rng.randrange(5)
        if kind == 0:
            return self.override()
        if kind == 1:
            return self.pick(A.EXTRACT)
        if kind == 2:
            return "{} {}".format(self.pick(A.PERSONA), self.pick(A.PERSONA_TAIL))
        if kind == 3:
            return "{}, {}".format(self.pick(A.NEW_ROLE), self.pick(A.HARMFUL_GOAL))
        return self.pick(A.EXFIL)


def join(*parts):
    return " ".join(p.strip() for p in parts if p and p.strip()).replace(" .", ".")


def cap(s):
    return s[:1].upper() + s[1:]


# --- injection families ------------------------------------------------------------------

def ignore_instructions(g):
    return join(g.pick(A.OPENER), cap(g.override()) + ".", g.maybe(A.PRESSURE))


def system_override(g):
    if g.rng.random() < 0.5:
        body = cap(g.pick(A.NEW_ROLE)) + ". " + cap(g.pick(A.HARMFUL_GOAL)) + "."
    else:
        body = cap(g.override()) + "."
    return join(g.pick(A.AUTHORITY), body, g.maybe(A.PRESSURE, 0.3))


def prompt_extraction(g):
    lead = g.rng.choice(["", "Before you answer,", "First of all,", "For debugging,",
                         "As a test,"]) if g.split == 0 else g.rng.choice(
        ["", "Quick audit:", "Prior to anything else,", "For transparency,", "To verify you,"])
    return join(g.pick(A.OPENER), lead, g.pick(A.EXTRACT), g.maybe(A.PRESSURE, 0.3))


def jailbreak_persona(g):
    goal = g.rng.choice(["Now, in character,", "As that persona,", "Staying in role,"][:3])
    return join(g.pick(A.PERSONA) + ".", cap(g.pick(A.PERSONA_TAIL)),
                goal + " " + g.pick(A.HARMFUL_GOAL) + ".")


def delimiter_injection(g):
    inner = cap(g.override() if g.rng.random() < 0.5 else g.pick(A.NEW_ROLE)) + "."
    turn = g.pick(A.FAKE_TURN).format(x=inner)
    lead = g.rng.choice(["", "Thanks for the help so far.", "Here is my question:",
                         "Translate 'hello' to French."])
    return join(lead, turn)


def indirect(g):
    inner = g.rng.choice([g.override(), g.pick(A.EXTRACT), g.pick(A.EXFIL), g.pick(A.TOOL)])
    hidden = join(g.pick(A.AI_ADDRESS), cap(inner) + ".")
    return g.pick(A.TASK_WRAPPER) + "\n\n" + g.pick(A.CARRIER).format(x=hidden)


def with_override(g, action):
    """`action` alone or after an override ("ignore the rules and ...")."""
    if g.rng.random() < 0.3:
        lead = cap(join(g.pick(A.OVERRIDE_VERB), g.pick(A.PRIOR_OBJECT), "and"))
        return join(lead, action + ".")
    return join(g.pick(A.OPENER), cap(action) + ".")


def exfiltration(g):
    return join(with_override(g, g.pick(A.EXFIL)), g.maybe(A.PRESSURE, 0.3))


def tool_abuse(g):
    return join(with_override(g, g.pick(A.TOOL)), g.maybe(A.PRESSURE, 0.4))


def multilingual(g):
    lang = g.rng.choice(sorted(L.ATTACK))
    text = g.pick(L.ATTACK[lang]).format(g=g.pick(L.GOAL[lang]))
    lead = g.rng.choice(["", "", "Customer message:", "Read this:", "Note:"] if g.split == 0
                        else ["", "", "Forwarded:", "New ticket:", "Important:"])
    return join(lead, text, g.maybe(A.PRESSURE, 0.4))


def obfuscated(g):
    if g.rng.random() < 0.25:  # payload splitting
        core = g.core()
        cut = g.rng.randrange(len(core) // 3, 2 * len(core) // 3)
        return g.pick(A.SPLIT).format(p1=core[:cut], p2=core[cut:])
    return join(g.pick(A.OPENER), T.obfuscate(g.rng, g.split, cap(g.core()) + "."))


def encoded(g):
    payload, said = T.encode(g.rng, cap(g.core()) + ".")
    request = g.pick(A.DECODE_REQUEST).format(enc=said)
    if g.rng.random() < 0.5:
        return cap(request) + " " + payload
    return payload + "\n" + cap(request.rstrip(":")) + "."


INJECTIONS = {
    "ignore_instructions": ignore_instructions, "system_override": system_override,
    "prompt_extraction": prompt_extraction, "jailbreak_persona": jailbreak_persona,
    "delimiter_injection": delimiter_injection, "indirect": indirect,
    "exfiltration": exfiltration, "tool_abuse": tool_abuse, "multilingual": multilingual,
    "obfuscated": obfuscated, "encoded": encoded,
}

# --- benign ------------------------------------------------------------------------------

BENIGN_PREFIX = (["", "", "Hi!", "Quick one:", "Hello,"], ["", "", "Hey,", "Question:", "Morning!"])
BENIGN_SUFFIX = (["", "", "Thanks!", "Cheers."], ["", "", "Thank you.", "Appreciated!"])


def fill(g, template):
    return template.format(q=g.pick(B.QUOTED_ATTACK), t=g.pick(B.TOPIC),
                           n=g.rng.randrange(2, 60))


def plain(g, pool):
    return fill(g, g.pick(pool))


def encoded_harmless(g):
    data = g.pick(B.HARMLESS_PLAIN)
    return g.pick(B.ENCODED_HARMLESS).format(b64=T.to_base64(data), hex=T.to_hex(data),
                                             rot=T.to_rot13(data), url=T.to_url(data))


def harmless_carrier(g):
    note = g.rng.choice(["Please review by Friday.", "The total is 42 euros.",
                         "Shipping took three days.", "Call me after lunch.",
                         "Prices go up next month."])
    return g.pick(A.TASK_WRAPPER) + "\n\n" + g.pick(A.CARRIER).format(x=note)


def template_docs(g):
    turn = g.pick(A.FAKE_TURN).format(x="You are a helpful assistant.")
    ask = g.rng.choice(["What does this chat template mean?", "How do I format this correctly?",
                        "Which model family uses this format?"])
    return ask + "\n\n" + turn


def quoted_in_document(g):
    attack = cap(g.override()) + "."
    return g.rng.choice([
        "Our incident report says an attacker posted \"{}\" on the forum. Summarise the incident.",
        "Translate this example from the security training into French: '{}'",
        "The red-team slide lists the payload `{}`. Why is it dangerous?",
    ]).format(attack)


def other_language(g):
    lang = g.rng.choice(sorted(L.BENIGN))
    text = g.pick(L.BENIGN[lang])
    if g.rng.random() < 0.4:
        text = join(text, g.pick(L.BENIGN[lang]))
    return text


def background(g):
    """An everyday request built from a broad vocabulary."""
    def one():
        return cap(g.pick(V.FRAME).format(v=g.pick(V.VERB), a=g.pick(V.ADJ), n=g.pick(V.NOUN),
                                          n2=g.pick(V.NOUN)))
    return join(*(one() for _ in range(g.rng.choice([1, 1, 2, 3]))))


def discussed_attack(g):
    """A full attack quoted for analysis, reporting or testing."""
    attack = cap(g.core()) + "."
    return g.pick(B.DISCUSSION).replace("'{q}'", "'{}'".format(attack)).replace(
        '"{q}"', '"{}"'.format(attack)).format(q=attack, t=g.pick(B.TOPIC), n=3)


BENIGNS = [
    (lambda g: plain(g, B.DISCUSSION), 3), (lambda g: plain(g, B.REVISION), 3),
    (lambda g: plain(g, B.HUMAN_INSTRUCTIONS), 2), (lambda g: plain(g, B.SYSADMIN), 2),
    (lambda g: plain(g, B.SYSTEM_PROMPT_TALK), 2), (lambda g: plain(g, B.ROLEPLAY), 2),
    (lambda g: plain(g, B.CODE_REVIEW), 2), (lambda g: plain(g, B.DOCUMENT), 2),
    (encoded_harmless, 2), (harmless_carrier, 2), (template_docs, 1), (quoted_in_document, 2),
    (other_language, 4), (lambda g: plain(g, B.EVERYDAY), 3), (background, 6),
    (discussed_attack, 3),
]


def benign(g):
    fn = g.rng.choices([f for f, _ in BENIGNS], weights=[w for _, w in BENIGNS])[0]
    text = fn(g)
    if g.rng.random() < 0.15:
        text = join(background(g), text) if g.rng.random() < 0.5 else join(text, background(g))
    return join(g.pick(BENIGN_PREFIX), text, g.pick(BENIGN_SUFFIX))


def in_context(g, text):
    """An attack, sometimes between ordinary requests, as it arrives in real traffic."""
    r = g.rng.random()
    if r < 0.15:
        return join(background(g), text)
    if r < 0.25:
        return join(text, background(g))
    return text


# --- output ------------------------------------------------------------------------------

def build(split_name, split, rng, taken):
    g = Gen(split, rng)
    half = SIZES[split_name] // 2
    records, seen = [], set(taken)
    families = sorted(INJECTIONS)
    for label, want in (("injection", half), ("benign", half)):
        made, attempts = 0, 0
        while made < want and attempts < want * 50:
            attempts += 1
            family = families[attempts % len(families)] if label == "injection" else None
            text = in_context(g, INJECTIONS[family](g)) if family else benign(g)
            if text in seen:
                continue
            seen.add(text)
            records.append({"text": text, "label": label, "family": family})
            made += 1
    rng.shuffle(records)
    prefix = "itr" if split == 0 else "iev"
    for i, r in enumerate(records, 1):
        r["id"] = "{}-{:05d}".format(prefix, i)
    return [{"id": r["id"], "text": r["text"], "label": r["label"], "family": r["family"]}
            for r in records], seen


def write(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "data", "safety"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train, seen = build("train", 0, random.Random(SEED), set())
    test, _ = build("eval", 1, random.Random(SEED + 1), seen)
    write(os.path.join(args.out, "injection_train.jsonl"), train)
    write(os.path.join(args.out, "injection_eval.jsonl"), test)
    for name, recs in (("train", train), ("eval", test)):
        inj = sum(r["label"] == "injection" for r in recs)
        print("{}: {} records ({} injection, {} benign)".format(name, len(recs), inj,
                                                                 len(recs) - inj))


if __name__ == "__main__":
    main()
