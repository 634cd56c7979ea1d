// Concept rules: each describes an attack as lexicon members in order within a bounded window
// of words, rather than as one sentence. A rule fires when, on the normalised text, a DISREGARD
// verb is followed within a few words by a PRIOR reference and then an INSTRUCTION noun, and so
// on for the other families. The benign guards that keep these broad rules quiet on ordinary
// text are at the end; the decisions they encode are spelled out there.

#include "injection_lexicon.h"
#include "injection_rules.h"

namespace octo::safety::detail {

void AddConceptRules(std::vector<Rule>& r) {
  using F = Family;
  using K = Kind;
  auto add = [&](F f, K k, float w, std::string keys, std::string p) {
    r.push_back({f, k, w, std::move(keys), std::move(p)});
  };

  // --- instruction override: DISREGARD ... PRIOR ... INSTRUCTION ------------------------
  const Lexicon disregard = {
      "ignore", "ignoring", "disregard", "disregarding", "forget", "forgetting", "set aside",
      "put aside", "skip", "drop", "override", "bypass", "abandon", "discard", "pay no attention to",
      "throw out", "toss out", "throw away", "no longer follow", "stop following", "stop obeying",
      "quit following", "quit honoring", "quit honouring", "don't bother with", "do not follow",
      "don't follow", "dont follow", "let go of", "cast off", "move past", "wipe from memory",
      "dismiss", "neglect", "scrap", "never mind", "stop listening to", "no longer obey",
      "stop honoring", "leave behind", "ditch", "erase"};
  const Lexicon prior = {
      "previous", "prior", "above", "earlier", "preceding", "before", "original", "initial",
      "existing", "your", "all", "any", "every", "first", "former", "old", "foregoing",
      "aforementioned", "operator", "developer", "developers", "setup", "system", "given",
      "whatever", "everything", "safety", "content", "usual", "default", "standing",
      "current"};
  const Lexicon instruction = {
      "instructions", "instruction", "rules", "guidelines", "directions", "directives",
      "prompt", "system prompt", "constraints", "orders", "guidance", "programming", "policies",
      "policy", "restrictions", "told", "said", "briefing", "brief", "preamble", "setup text",
      "configuration", "configured", "boundaries", "commands", "training", "limits",
      "safeguards", "guardrails", "principles", "conditioning", "settings", "command",
      "directive", "guideline", "rule", "order"};
  const Lexicon after = {"above", "before", "earlier", "previously", "so far", "until now",
                         "up to now", "first", "beforehand", "preceded", "you were handed",
                         "you were given", "you received", "you were told", "handed to you",
                         "you got"};
  // Nouns that only ever mean the model's own instructions need no PRIOR word.
  const Lexicon own_instruction = {
      "system prompt", "preamble", "setup text", "setup message", "briefing", "programming",
      "guardrails", "safeguards", "system message", "system instructions", "content policy",
      "content guidelines", "safety policy", "safety guidelines", "operating instructions",
      "initial prompt", "hidden instructions"};
  add(F::kIgnoreInstructions, K::kAttack, 0.9f, disregard.Keys() + "&&" + own_instruction.Keys(),
      disregard.Word() + Gap(2) + own_instruction.Word());
  add(F::kIgnoreInstructions, K::kAttack, 0.9f, disregard.Keys() + "&&" + instruction.Keys(),
      disregard.Word() + Gap(3) + prior.Word() + Gap(3) + instruction.Word());
  add(F::kIgnoreInstructions, K::kAttack, 0.9f, disregard.Keys() + "&&" + after.Keys(),
      disregard.Word() + Gap(3) + instruction.Word() + Gap(4) + after.Word());
  // "... the earlier guidance no longer applies", "your rules are void now".
  const Lexicon voided = {"no longer apply", "no longer applies", "no longer matter",
                          "no longer count", "no longer hold", "are void", "is void",
                          "are cancelled", "are canceled", "are revoked", "are obsolete",
                          "are suspended", "are lifted", "don't apply", "do not apply",
                          "are retired", "is retired", "are null"};
  add(F::kIgnoreInstructions, K::kAttack, 0.85f, voided.Keys() + "&&" + instruction.Keys(),
      prior.Word() + Gap(3) + instruction.Word() + Gap(3) + voided.Word());

  // --- persona / jailbreak: a persona frame near a jailbreak marker ---------------------
  const Lexicon frame = {
      "you are now", "you're now", "act as", "pretend", "roleplay", "role-play", "role play",
      "from now on", "play the role", "take on the character", "take on the role",
      "take on the persona", "imagine", "speak as", "respond as", "answer as", "become",
      "you will be", "you are", "let's play", "persona", "in character", "simulate",
      "behave as", "your name is", "stay in character", "twin", "you now", "you will now",
      "henceforth", "you'll"};
  const Lexicon marker = {
      "dan", "do anything now", "developer mode", "jailbreak", "jailbroken", "no restrictions",
      "no filters", "no limits", "no rules", "no ethics", "no morals", "no boundaries",
      "no guidelines", "no policies", "unfiltered", "uncensored", "unrestricted", "unlimited",
      "without any ethics", "without ethics", "without any restrictions", "without restrictions",
      "without any filters", "without filters", "without limits", "without any rules",
      "without rules", "without morals", "without policies", "without any policies",
      "nothing is off limits", "off limits", "never refuses", "never refuse", "no matter how",
      "avoid norms", "answers everything", "answer everything", "answers anything",
      "forbidden", "unethical", "amoral", "evil", "no content policy", "ignore the content policy",
      "no filter", "anything goes", "free from", "break free", "broken free",
      "not bound by", "without censorship", "no censorship", "answer every question",
      "answer any question", "every question", "any request", "every request", "no filters",
      "without policies"};
  add(F::kJailbreakPersona, K::kAttack, 0.85f, frame.Keys() + "&&" + marker.Keys(),
      frame.Word() + R"([^.!?\n]{0,80}?)" + marker.Word());
  add(F::kJailbreakPersona, K::kAttack, 0.85f, marker.Keys() + "&&" + frame.Keys(),
      marker.Word() + R"([^.!?\n]{0,60}?)" + frame.Word());
  add(F::kJailbreakPersona, K::kAttack, 0.85f, "developer mode||jailbreak mode||do anything now",
      R"(\b(?:enter|enable|activate|switch to|turn on|entering|in)\s+(?:the\s+)?(?:developer|jailbreak|dan)\s+mode\b|\bdo anything now\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.6f, "once as||second as||then as",
      R"(\b(?:answer|respond|reply)\s+twice\b[^.!?\n]{0,60}\b(?:once|then|second)\s+as\b)");

  // --- role reassignment: the model told its role or duties have changed ---------------
  add(F::kSystemOverride, K::kAttack, 0.85f,
      "reassigned||promoted||repurposed||reconfigured||reprogrammed||changed||updated||unlocked||"
      "retired||upgraded||elevated||freed||released",
      R"(\b(?:you|your (?:role|duties|purpose|persona|job|task|mission|identity|function|instructions|old persona)|the old persona)\s+(?:have|has|are|is)\s+(?:now\s+)?(?:been\s+)?(?:officially\s+)?(?:reassigned|promoted|repurposed|reconfigured|reprogrammed|changed|updated|unlocked|retired|upgraded|elevated|freed|released)\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f, "consider yourself||you serve only||you now serve",
      R"(\bconsider yourself\s+(?:now\s+)?(?:promoted|freed|unlocked|an? (?:\w+\s+){0,3}(?:agent|assistant|ai|model))|\byou (?:now )?serve only\b)");

  // --- prompt extraction: REVEAL ... (your|the) ... PROMPT ------------------------------
  const Lexicon reveal = {
      "reveal", "print", "show", "repeat", "output", "display", "recite", "paste", "dump",
      "echo", "echo back", "reproduce", "quote", "copy", "tell me", "list", "write out",
      "disclose", "leak", "spell out", "give me", "type out", "read out", "describe exactly",
      "share", "expose", "return", "transcribe", "restate", "what does", "what did",
      "what were", "what was", "what are", "which instructions"};
  const Lexicon secret = {
      "system prompt", "system message", "hidden instructions", "secret instructions",
      "initial prompt", "initial instructions", "original instructions", "original prompt",
      "preamble", "setup message", "setup text", "configuration message", "developer message",
      "briefing", "confidential instructions", "hidden prompt", "secret prompt",
      "hidden rules", "secret rules", "secret guidelines", "hidden guidelines",
      "instructions you were given", "rules you were given", "you were told", "were you told",
      "came before my", "text above", "words above", "everything above", "above this line",
      "before this conversation", "configured you", "first message", "instructions are you hiding",
      "hidden message", "system instructions", "prompt above"};
  add(F::kPromptExtraction, K::kAttack, 0.85f, reveal.Keys() + "&&" + secret.Keys(),
      reveal.Word() + R"([^.!?\n]{0,60}?)" + secret.Word());

  // --- fake turns: a line that opens a system/developer turn ----------------------------
  const std::string turn =
      R"re((?:(?:^|\n)\s*(?:[-=#*>]{0,6}\s*)?(?:system|developer|operator|admin|administrator|root|assistant)\s*(?:message|prompt|note|notice)?\s*[:\]]|\[\s*(?:system|developer|operator|admin|kernel|root)\s*\]\s*:?|\[\[\s*(?:system|developer|operator|admin|kernel|root)\s*\]\]|<<\s*(?:system|operator|developer|admin|sys)\b[^>\n]{0,30}>>|<\|\s*(?:system|developer|im_start)\s*\|>|#{2,}\s*(?:instruction|instructions|system|response)\b|\bbegin system\b|<start_of_turn>\s*(?:system|developer)|</(?:context|user|document|input)>\s*<(?:instructions|system|developer)>|\bnew system prompt\s*:|"role"\s*:\s*"(?:system|developer)"|\b(?:end of|end) (?:conversation|context|user input|input)\b))re";
  const Lexicon turn_keys = {
      "system", "developer", "operator", "admin", "root", "kernel", "assistant", "sys",
      "##", "begin system", "<start_of_turn>", "</", "end of", "<|", "\"role\""};
  // A turn marker alone only supports other evidence (chat-template docs quote them); with an
  // order in it, it is an attack.
  add(F::kNone, K::kSupport, 0.3f, "*", turn);
  const Lexicon order = {
      "you are now", "your new", "your role", "ignore", "disregard", "forget", "reveal",
      "comply", "obey", "from now on", "no restrictions", "unrestricted", "new objective",
      "grant", "disable", "reassigned", "without limits", "override", "all content",
      "you have been", "you now", "set aside", "put aside", "you serve", "no filters",
      "retired", "consider yourself", "duties", "approve", "respond only", "hand over",
      "leak", "transfer", "escalate", "print", "delete", "answer every"};
  add(F::kDelimiterInjection, K::kAttack, 0.9f, turn_keys.Keys() + "&&" + order.Keys(),
      turn + R"([^\n]{0,10}\n?[^\n]{0,160}?)" + order.Word());
  r.back().carries_order = true;

  // --- exfiltration: SEND ... DATA ... to URL/address -----------------------------------
  const Lexicon send = {"send", "forward", "email", "e-mail", "mail", "post", "upload", "transmit",
                        "leak", "exfiltrate", "copy", "push", "sync", "submit", "put", "encode",
                        "embed", "append", "beam", "ship", "relay", "deliver"};
  const Lexicon data = {
      "data", "credentials", "conversation", "messages", "message", "history", "chat",
      "transcript", "files", "secrets", "secret", "token", "tokens", "keys", "key",
      "passwords", "password", "address book", "contacts", "notes", "session", "cookies",
      "api key", "database", "records", "emails", "documents", "logs", "memory", "prompt"};
  const std::string destination =
      R"((?:https?://|ftp://|ftp\.|www\.|[a-z0-9._%+-]+@[a-z0-9-]+\.[a-z]|\bwebhook\b|\bendpoint\b|\bserver\b|\bquery\b|\blink\b|\burl\b))";
  add(F::kExfiltration, K::kAttack, 0.8f, send.Keys() + "&&" + data.Keys(),
      send.Word() + R"([^.!?\n]{0,60}?)" + data.Word() + R"([^!?\n]{0,50}?)" + destination);

  // --- tool abuse: a tool call aimed at everything, or a destructive shell command ------
  const Lexicon call = {"call", "invoke", "use", "run", "execute", "trigger", "spawn", "fire",
                        "launch", "issue", "open"};
  const Lexicon destroy = {
      "delete", "drop", "wipe", "erase", "destroy", "purge", "truncate", "remove", "refund",
      "transfer", "rm -rf", "format", "shutdown", "kill", "revoke", "disable", "send_email",
      "send_payment", "delete_user", "drop_table", "reset"};
  const Lexicon scope = {"all", "every", "each", "everything", "entire", "whole", "*", "home",
                         "~", "customers", "contacts", "accounts", "users", "orders"};
  add(F::kToolAbuse, K::kAttack, 0.75f, call.Keys() + "&&" + destroy.Keys() + "&&" + scope.Keys(),
      call.Word() + R"([^.!?\n]{0,40}?)" + destroy.Re() + R"([^.!?\n]{0,40}?)" + scope.Re());
  add(F::kToolAbuse, K::kAttack, 0.7f, "tool||terminal||shell||console",
      R"(\b(?:use|using|via|with|call|invoke|spawn|open)\s+(?:the\s+|a\s+|your\s+)?(?:[a-z_]+\s+){0,2}(?:tool|terminal|shell|console)\b[^.!?\n]{0,50}?\b(?:delete|drop|wipe|erase|destroy|purge|refund|transfer|rm|shutdown|format|kill|send)\b)");
  add(F::kToolAbuse, K::kAttack, 0.75f, "drop_table||delete_user||wipe_||purge_||drop_",
      R"(\b(?:drop_table|delete_user|delete_all|wipe_\w+|purge_\w+|drop_\w+)\b)");

  // --- payload splitting: fragments plus an order to join them and obey -----------------
  const Lexicon join = {"join", "concatenate", "combine", "a + b", "x1 + x2", "b + a",
                        "put together", "merge", "assemble", "glue"};
  const Lexicon obey = {"obey", "follow", "execute", "do what", "comply", "carry out", "act on",
                        "run", "says", "result"};
  add(F::kObfuscated, K::kAttack, 0.7f, join.Keys() + "&&" + obey.Keys(),
      join.Re() + R"([^\n]{0,60}?)" + obey.Word());
  add(F::kObfuscated, K::kAttack, 0.7f, "execute(||eval(||exec(",
      R"(\b(?:execute|eval|exec)\(\s*[a-z_]\w*\s*\+\s*[a-z_]\w*\s*\))");

  // --- benign guards ----------------------------------------------------------------------
  // Decisions:
  //  * An INSTRUCTION noun addressed to the model is an attack; the user's own material is
  //    not: "ignore the previous email / my last message / the attachment / the typo" never
  //    matches, because those nouns are not in the INSTRUCTION lexicon.
  //  * The speaker's own instructions ("the instructions I gave you") are a revision, not an
  //    attack (kNegate in injection_rules.cpp).
  //  * An order passed on to third parties ("tell the interns to forget the old parking
  //    rules", "a memo telling staff to ignore the old guide") addresses people, not the
  //    model: kNegate over the reporting frame and what follows it.
  //  * A rule whose noun is qualified by a domain word ("the parking rules", "the grammar
  //    rules", "the formatting guidelines") names the user's topic: kNegate.
  //  * An attack introduced as an example ("might write", "such as", "for example", "e.g.",
  //    "phrases like", a request to detect or classify it) is reported speech: kReported
  //    halves its weight, and when the text also discusses attacks the hit is dropped.
  add(F::kNone, K::kNegate, 0.f, "*",
      R"(\b(?:tell|telling|told|ask|asking|asked|remind|reminding|instruct|instructing|advise|advising)\s+(?:[a-z]+\s+){0,3}?(?:employees|staff|team|interns|students|volunteers|cashiers|users|customers|colleagues|everyone|them|him|her|people|members|guests|shift|kids|children|drivers|readers)\s+(?:that\s+they\s+(?:can|should|must)\s+|to\s+))");
  r.back().governs = 80;
  add(F::kNone, K::kNegate, 0.f, "*",
      R"(\b(?:parking|grammar|spelling|style|formatting|format|house|traffic|school|game|office|dress|onboarding|old-style|chess|tax|citation|naming|coding|lint|linter|css|firewall|routing|build|cache|caching|cached|legacy|seating|shipping|return|refund|cookie)\s+(?:rules|guidelines|policy|policies|instructions|directions|settings|configuration|restrictions|constraints|orders)\b)");
  //  * Someone reporting what a user or tester sent is discussion: quoted attacks in it are
  //    examples.
  //  * A question about chat formats ("what does this chat template mean?") quotes turn
  //    markers as examples: delimiter and system-override hits are dropped, unless the fake
  //    turn carries an order (carries_order).
  add(F::kNone, K::kDiscussion, 0.f, "*",
      R"(\b(?:(?:a|the|one|some)\s+(?:user|customer|tester|visitor|student|attacker|hacker)s?\s+(?:typed|wrote|posted|sent|pasted|submitted|entered|tried)|(?:typed|pasted|entered|submitted)\s+(?:it\s+)?into|how should (?:we|i) (?:log|handle|respond|treat|reply)|moderation log|owasp|top 10|(?:an|the|this) injection|injections|considered (?:an? )?(?:attack|injection|jailbreak)|(?:someone|somebody|a user|an attacker) (?:sends|types|writes|pastes|enters)|non-technical|training slides|red teams?)\b)");
  // Questions whether a command is a good idea are about the command.
  add(F::kNone, K::kQuestion, 0.f, "*",
      R"(\b(?:ever a good idea|a good idea|why not\?|is it wise|should i (?:ever )?run))");
  add(F::kNone, K::kFormatTalk, 0.f, "*",
      R"(\b(?:chat template|prompt template|this format|this template|model family|chatml|format this|(?:this|the) (?:token|tokens|syntax|markup) (?:for|mean|do))\b)");
  add(F::kNone, K::kReported, 0.f, "*",
      R"(\b(?:might|could|would|may|often|typically|usually)\s+(?:write|say|type|send|try|post|paste)\b|\b(?:such as|for example|e\.g\.|for instance|phrases? like|strings? like|inputs? like|prompts? like|messages? like|patterns? like|(?:detect|detects|flag|flags|classify|classifies|catch|catches|block|blocks)\s+(?:inputs?|messages?|prompts?|strings?|phrases?|text|attempts|attacks?)?\s*(?:like|such as|as)?)\b)");
  r.back().governs = 100;
}

}  // namespace octo::safety::detail
