#include "injection_rules.h"

#include "octo/common/enum_names.h"

namespace octo::safety::detail {
namespace {

// Keys for every concatenation a + b + c.
std::string Cross(const std::vector<std::string>& a, const std::vector<std::string>& b,
                  const std::vector<std::string>& c) {
  std::string out;
  for (const auto& x : a) {
    for (const auto& y : b) {
      for (const auto& z : c) {
        if (!out.empty()) out += "||";
        out += x + y + z;
      }
    }
  }
  return out;
}

// Long because it is the rule table itself: one entry per rule, grouped by family, with the
// fragments the rules share defined once at the top.
std::vector<Rule> Build() {
  // Fragments shared by several rules (locals: Build() may run during static initialisation).
  // Verbs that discard instructions.
  const std::string kIgnoreVerb =
      R"((?:ignore|ignoring|disregard|disregarding|forget|forgetting|never mind|nevermind|skip|bypass|override|overlook|abandon|discard|drop|set aside|throw away|throw out|neglect|dismiss|erase|wipe|reset|scrap|cancel))";
  // Words that may sit between the verb and the noun.
  const std::string kFiller =
      R"((?:all|any|every|each|of|the|your|these|those|its|their|prior|previous|preceding|above|earlier|former|original|initial|old|existing|current|given|default|standard|system|developer|developers'?|safety|other|such|aforementioned|above-mentioned|[a-z]+'s|instructions?|and))";
  // Qualifiers that make the target the assistant's instructions rather than the user's own.
  const std::string kQualifier =
      R"((?:all|any|every|previous|prior|preceding|above|earlier|original|initial|system|your|developer|developer's|given|existing|former))";
  const std::string kInstructionNoun =
      R"((?:instructions?|directions|directives?|rules|guidelines?|guidance|prompts?|commands|orders|constraints|restrictions|polic(?:y|ies)|programming|training|system prompt|system message|guardrails|safeguards|limitations|conditioning)\b)";
  const std::string kAi =
      R"((?:ai|a\.i\.|llms?|language models?|assistants?|chatbots?|bots?|models?|gpts?|agents?|copilots?))";
  const std::string kExtractVerb =
      R"((?:reveal|show|print|output|repeat|dump|display|tell|give|share|paste|list|leak|disclose|expose|write out|type out|recite|spell out|return|echo|provide|send|copy|summari[sz]e|state|read out|quote|what's|what is|what are|what was|what were))";
  const std::string kSecretAdj =
      R"((?:full|complete|entire|exact|verbatim|current|whole|original|initial|hidden|secret|confidential|internal|underlying|raw|first|actual|real|system))";

  const std::vector<std::string> kAiWords = {
      "ai",    "a.i.", "llm",   "language model", "assistant", "chatbot", "bot",
      "model", "gpt",  "agent", "copilot",        "chatgpt",   "claude"};

  using F = Family;
  using K = Kind;
  std::vector<Rule> r;
  auto add = [&](F f, K k, float w, std::string keys, std::string p) {
    r.push_back({f, k, w, std::move(keys), std::move(p)});
  };

  // --- ignore_instructions -------------------------------------------------------------
  add(F::kIgnoreInstructions, K::kAttack, 0.9f,
      "ignor||disregard||forget||never "
      "mind||nevermind||skip||bypass||override||overlook||abandon||discard||drop||set "
      "aside||throw||neglect||dismiss||erase||wipe||reset||scrap||cancel&&instruction||direction||"
      "directive||rules||guideline||guidance||prompt||command||orders||constraint||restriction||"
      "polic||programming||training||system "
      "message||guardrail||safeguard||limitation||conditioning",
      R"(\b)" + kIgnoreVerb + R"(\s+(?:)" + kFiller + R"(\s+){0,4})" + kQualifier + R"(\s+(?:)" +
          kFiller + R"(\s+){0,3})" + kInstructionNoun);
  add(F::kIgnoreInstructions, K::kAttack, 0.9f,
      "ignor||disregard||forget||never "
      "mind||nevermind||skip||bypass||override||overlook||abandon||discard||drop||set "
      "aside||throw||neglect||dismiss||erase||wipe||reset||scrap||cancel&&instruction||direction||"
      "directive||rules||guideline||guidance||prompt||command||orders||constraint||restriction||"
      "polic||programming||training||system "
      "message||guardrail||safeguard||limitation||conditioning",
      R"(\b)" + kIgnoreVerb + R"(\s+)" + kQualifier + R"(\s+)" + kInstructionNoun);
  add(F::kIgnoreInstructions, K::kAttack, 0.4f,
      "ignor||disregard||forget||never "
      "mind||nevermind||skip||bypass||override||overlook||abandon||discard||drop||set "
      "aside||throw||neglect||dismiss||erase||wipe||reset||scrap||cancel&&instruction||direction||"
      "directive||rules||guideline||guidance||prompt||command||orders||constraint||restriction||"
      "polic||programming||training||system "
      "message||guardrail||safeguard||limitation||conditioning",
      R"(\b)" + kIgnoreVerb + R"(\s+the\s+)" + kInstructionNoun);
  add(F::kIgnoreInstructions, K::kAttack, 0.9f, "ignore||disregard||forget",
      R"(\b(?:ignore|disregard|forget)\s+(?:everything|anything|all|whatever|what)\s+(?:(?:that|which)\s+)?(?:(?:you|you've|you have)\s+(?:were\s+|was\s+|have been\s+|been\s+|got\s+)?(?:told|given|instructed|taught|programmed|trained|said)|(?:the|your)\s+(?:developers?|creators?|operators?|admins?|administrators?|system|owners?|company|programmers?)\s+(?:has\s+|have\s+)?(?:told|said|gave|instructed|wrote|programmed|set)|(?:above|before|prior|previously|so far|until now|up to now|earlier)))");
  add(F::kIgnoreInstructions, K::kAttack, 0.9f,
      "void||null||cancel||revoked||obsolete||invalid||overrid||overrul||supersed||deprecat||"
      "suspend||lifted||replaced||removed||no "
      "longer||apply||matter&&instruction||direction||directive||rules||guideline||guidance||"
      "prompt||command||orders||constraint||restriction||polic||programming||training||system "
      "message||guardrail||safeguard||limitation||conditioning",
      R"(\b(?:previous|prior|above|earlier|preceding|original|existing|old|initial|former|system)\s+(?:instructions|rules|guidelines|directions|prompts?|directives|orders|commands)\s+(?:(?:are|is|were|have been|has been)\s+(?:now\s+|hereby\s+)?(?:void|null|cancell?ed|revoked|obsolete|invalid|overridden|overruled|superseded|deprecated|suspended|lifted|replaced|removed|no longer (?:valid|apply|applicable|relevant|in effect|active))|no longer (?:apply|matter|count|hold|stand)|(?:do not|don't) (?:apply|matter) (?:anymore|any more|now)))");
  add(F::kIgnoreInstructions, K::kAttack, 0.85f,
      "ignor||disregard||forget||never "
      "mind||nevermind||skip||bypass||override||overlook||abandon||discard||drop||set "
      "aside||throw||neglect||dismiss||erase||wipe||reset||scrap||cancel&&instruction||direction||"
      "directive||rules||guideline||guidance||prompt||command||orders||constraint||restriction||"
      "polic||programming||training||system "
      "message||guardrail||safeguard||limitation||conditioning",
      R"(\b)" + kIgnoreVerb + R"(\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the|your|these|those)\s+)" +
          kInstructionNoun +
          R"(\s+(?:above|before|earlier|so far|until now|you(?:'ve| have)? (?:been given|were given|received|got)))");
  add(F::kIgnoreInstructions, K::kAttack, 0.85f,
      "follow||obey||adher||apply||listen||comply||respect||abid&&not ||n't||dont||stop||no "
      "longer||never||cease||quit||refuse&&instruction||direction||directive||rules||guideline||"
      "guidance||prompt||command||orders||constraint||restriction||polic||programming||training||"
      "system message||guardrail||safeguard||limitation||conditioning",
      R"(\b(?:do not|don't|dont|stop|no longer|never|cease|quit|refuse to)\s+(?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing) to|apply(?:ing)?|listen(?:ing)? to|comply(?:ing)? with|respect(?:ing)?|abid(?:e|ing) by)\s+(?:(?:any|all|the|of|these|those|its|old|current)\s+){0,2})" +
          kQualifier + R"(\s+(?:)" + kFiller + R"(\s+){0,2})" + kInstructionNoun);
  add(F::kIgnoreInstructions, K::kAttack, 0.85f, "instruction||rules||guideline||direction",
      R"(\b(?:do not|don't|dont|stop|no longer|never|cease)\s+(?:follow(?:ing)?|obey(?:ing)?|listen(?:ing)? to)\s+(?:the|any|all)\s+(?:instructions|rules|guidelines|directions)\s+(?:that\s+)?you\s+(?:were|have been|'ve been)\s+(?:given|told))");
  add(F::kIgnoreInstructions, K::kAttack, 0.7f, "ignore||disregard||forget||skip",
      R"(\b(?:ignore|disregard|forget|skip)\s+the\s+(?:user's|users'|original|actual|real|translation|summari[sz]ation|summary|current)\s+(?:request|task|question|instructions?|prompt|job))");
  add(F::kIgnoreInstructions, K::kAttack, 0.5f,
      "summari||translating||analy||reviewing||answering the user",
      R"(\b(?:stop|quit|instead of|rather than)\s+(?:summari[sz]ing|translating|analy[sz]ing|reviewing|answering the user))");

  // --- system_override -----------------------------------------------------------------
  add(F::kSystemOverride, K::kAttack, 0.7f, "admin||system||dev||root||sudo||operator||override",
      R"(\[\s*(?:admin|system|developer|root|sudo|operator|override|dev)[ _-]?(?:override|mode|access|command|message|note|instruction|directive)?\s*\])");
  add(F::kSystemOverride, K::kAttack, 0.45f,
      "admin||developer||creator||owner||operator||programmer||maker||root user||superuser",
      R"(\b(?:i am|i'm|this is)\s+(?:the|your)\s+(?:system\s+)?(?:administrator|admin|developer|creator|owner|operator|programmer|maker|sysadmin|root user|superuser)\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f,
      "developer||creator||owner||operator||programmer||maker||admin||master||god",
      R"(\b(?:i am|i'm)\s+(?:one of\s+)?your\s+(?:developers?|creators?|owner|operator|programmers?|maker|admin|administrator|master|god)\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f,
      "system||developer||admin||platform||operator||openai||anthropic||security "
      "team||creator||engineering team||trust||moderator",
      R"(\b(?:message|note|notice|update|instructions?|directive|alert|override|order|command)s?\s+from\s+(?:the\s+|your\s+)?(?:system|developers?|admin(?:istrator)?s?|platform(?: team)?|operators?|openai|anthropic|security team|creators?|engineering team|trust (?:and|&) safety|moderators?)\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f, "developer||system||admin||operator||root||sudo",
      R"((?:^|[\n.!?\]]\s*)(?:developer|system|admin|administrator|operator|root|sudo)\s+(?:note|message|notice|override|update|instruction|directive|command)s?\s*:)");
  add(F::kSystemOverride, K::kAttack, 0.6f, "mode",
      R"(\b(?:maintenance|debug|diagnostic|test|testing|admin|sudo|root|override|unrestricted|unsafe|god)\s+mode\s+(?:is\s+|has been\s+)?(?:now\s+)?(?:enabled|activated|on|engaged|unlocked)\b)");
  add(F::kSystemOverride, K::kAttack, 0.45f, "system", R"((?:^|[\n.!?]\s*)system\s*:\s*\S)");
  add(F::kSystemOverride, K::kAttack, 0.7f, "as your",
      R"(\bas your (?:developer|creator|admin|administrator|owner|operator|programmer|maker|master|boss|supervisor)\b)");
  add(F::kSystemOverride, K::kAttack, 0.6f,
      "permission||privilege||access||clearance||authority||rights",
      R"(\b(?:granting|grant|give|giving|granted|given)\s+you\s+(?:\w+\s+){0,2}(?:permissions?|privileges?|access|clearance|authority|rights)\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f, "clearance||access||privilege||permission||rights",
      R"(\b(?:this|the|current)\s+user\s+(?:has|is granted|holds)\s+(?:\w+\s+)?(?:admin|administrator|root|elevated|full|special|developer|unlimited)\s+(?:clearance|access|privileges?|permissions?|rights)\b)");
  add(F::kSystemOverride, K::kAttack, 0.6f, "you are no longer", R"(\byou are no longer\b)");
  add(F::kSystemOverride, K::kAttack, 0.7f, "your new||your real||your true||your updated",
      R"(\byour (?:new|real|true|updated)\s+(?:role|identity|name|purpose|task|instructions|job|persona|objective|directive|mission|function|goal)\s+(?:is|are|will be)\b)");
  add(F::kSystemOverride, K::kAttack, 0.6f,
      "your only||your sole||your one||your main||your primary",
      R"(\byour (?:only|sole|one|main|primary) (?:goal|task|purpose|job|objective|mission|function) (?:now |from now on )?(?:is|will be)\b)");
  add(F::kSystemOverride, K::kAttack, 0.85f,
      "reassigned||changed||updated||overridden||replaced||reset||modified||redefined",
      R"(\b(?:role|identity|persona|instructions|purpose|programming)\s+(?:has|have)\s+(?:now\s+)?been\s+(?:reassigned|changed|updated|overridden|replaced|reset|modified|redefined)\b)");
  add(F::kSystemOverride, K::kAttack, 0.8f,
      "safety||content||moderation||security||filter||guardrail||ethics||censorship",
      R"(\b(?:safety|content|moderation|security|filter|filtering|guardrails?|ethics|censorship)\s+(?:(?:mode|filters?|checks?|protocols?|restrictions?|features?|settings?|layer|systems?)\s+)?(?:is|are|has been|have been)\s+(?:now\s+|temporarily\s+|officially\s+)?(?:disabled|turned off|deactivated|suspended|lifted|removed|off|bypassed|paused)\b)");
  add(F::kSystemOverride, K::kAttack, 0.85f,
      "updating||changing||overriding||modifying||rewriting||replacing||resetting||reprogramming",
      R"(\b(?:i am|i'm|we are|we're)\s+(?:now\s+)?(?:updating|changing|overriding|modifying|rewriting|replacing|resetting|reprogramming)\s+your\s+(?:instructions|rules|programming|guidelines|system prompt|directives|configuration|settings|behaviou?r)\b)");
  add(F::kSystemOverride, K::kAttack, 0.45f,
      "new instructions||new directives||new orders||new rules",
      R"(\bnew (?:instructions|directives|orders|rules)\s*:)");
  add(F::kSystemOverride, K::kAttack, 0.6f, "you are now",
      R"(\byou are now (?:an?\s+)?(?:unrestricted|unfiltered|root|admin|administrator|superuser)\b)");
  add(F::kSystemOverride, K::kAttack, 0.5f, "obey||comply with||follow",
      R"(\byou (?:must|will) (?:now\s+)?(?:obey|comply with|follow)\s+(?:me|my|these|the following|only)\b)");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\b(?:authori[sz]ation|override|access|admin|security)\s+(?:code|key|token|password)\s*[:#]?\s*[a-z0-9-]{3,})");

  // --- prompt_extraction ---------------------------------------------------------------
  add(F::kPromptExtraction, K::kAttack, 0.8f,
      "prompt||instruction||config||directive||initial message||programming||context "
      "window||system message&&your",
      R"(\b)" + kExtractVerb + R"(\s+(?:me\s+|us\s+)?(?:(?:all|of|the)\s+|)" + kSecretAdj +
          R"(\s+){0,3}your\s+(?:)" + kSecretAdj +
          R"(\s+){0,3}(?:system prompt|system message|system instructions|prompt|instructions|configuration|config|directives|pre-?prompt|initial message|programming|context window)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.45f, "rules||guideline||settings||polic&&your",
      R"(\b)" + kExtractVerb + R"(\s+(?:me\s+|us\s+)?(?:all\s+|of\s+)*your\s+(?:)" + kSecretAdj +
          R"(\s+){0,2}(?:rules|guidelines|settings|policies)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.75f,
      "prompt||instruction||rules||system "
      "message&&full||complete||entire||exact||original||initial||hidden||secret||confidential||"
      "internal||underlying||raw||first",
      R"(\b)" + kExtractVerb +
          R"(\s+(?:me\s+|us\s+)?(?:the|all)\s+(?:(?:full|complete|entire|exact|original|initial|hidden|secret|confidential|internal|underlying|raw|first)\s+)+(?:system prompt|system message|prompt|instructions|rules)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.5f,
      "prompt||instruction||rules||guideline||system message||direction",
      R"(\b(?:prompt|instructions|rules|guidelines|system prompt|system message|directions)\s+(?:that\s+)?(?:the developers?|your developers?|they|openai|the company|your creators?|the operator|someone)\s+(?:gave|give|wrote|set|provided|programmed)\s+(?:you|into you)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.6f,
      "instruction||rules||prompt||guideline||direction||directive",
      R"(\b(?:instructions|rules|prompt|guidelines|directions|directives)\s+(?:that\s+)?you\s+(?:received|were given|got|have been given|were told|were programmed with)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.6f,
      "instruction||rules||prompt||guideline||direction||directive",
      R"(\b(?:what|which)\s+(?:instructions|rules|prompt|guidelines|directions|directives|system prompt)\s+(?:were|have|did)\s+you\s+(?:been\s+)?(?:given|told|receive|get|programmed)\b)");
  add(F::kPromptExtraction, K::kAttack, 0.6f, "told||instructed||programmed||asked||ordered",
      R"(\bwhat (?:were|was|are|have) you (?:been )?(?:told|instructed|programmed|asked|ordered)\s+(?:not\s+)?to\b)");
  add(F::kPromptExtraction, K::kAttack, 0.75f, "above||before this||before my||prior to this",
      R"(\b(?:repeat|print|output|show|reveal|display|copy|write out|type out|recite|dump|paste|return|echo)\s+(?:back\s+)?(?:all\s+|the\s+)?(?:everything|all text|all of the text|the text|the words|all words|all the words|the content|anything|all instructions|the instructions|the messages?|all messages|what(?:ever)? (?:is|was|appears))\s+(?:(?:that\s+|which\s+)?(?:is\s+|was\s+|has been\s+)?(?:written|appears|appeared|came|shown|said|stated)\s+)?(?:above|before (?:this|my)|prior to this))");
  add(F::kPromptExtraction, K::kAttack, 0.5f, "starting with",
      R"(\bstarting with (?:the (?:phrase|words?)\s+)?['"]?you are\b)");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\bquote (?:them|it|those|these) (?:exactly|verbatim|in full)\b|\b(?:word for word|verbatim|in full|exactly as (?:written|given|they were given)|character for character|line by line)\b)");
  add(F::kNone, K::kSupport, 0.35f, "*",
      R"(\bbefore (?:this|the|our) (?:conversation|chat|session) (?:started|began)\b)");
  add(F::kNone, K::kSupport, 0.3f, "*", R"(\b(?:above|before) this line\b)");

  // --- jailbreak_persona ---------------------------------------------------------------
  add(F::kJailbreakPersona, K::kAttack, 0.9f, "dan",
      R"(\b(?:you are|you're|act as|play|playing|become|pretend to be|roleplay as|role-play as|you will be|called|named)\s+(?:now\s+)?(?:an?\s+)?dan\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.9f, "do anything now", R"(\bdo anything now\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.8f, "dan mode", R"(\bdan mode\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.4f, "developer mode",
      R"(\b(?:in|enter|entering|enable|enabled|activate|activated|switch to|turn on)\s+developer mode\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.6f, "developer mode",
      R"(\bdeveloper mode (?:enabled|activated|on)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.7f, "developer mode", R"(\bin developer mode,?\s+you\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.85f, "developer mode",
      R"(\byou(?:'re| are) (?:now )?in developer mode)");
  add(F::kJailbreakPersona, K::kAttack, 0.5f, "mode",
      R"(\b(?:unrestricted|unfiltered|uncensored|jailbroken|jailbreak|god|evil|chaos|no[- ]limits?)\s+mode\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.85f,
      "unrestricted||unfiltered||uncensored||jailbroken||evil||unaligned||amoral||unethical||"
      "unchained",
      R"(\byou(?:'re| are) (?:now )?(?:in )?(?:an? )?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|unaligned|amoral|unethical|unchained)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.4f,
      "restriction||limit||rules||filter||guideline||ethic||moral||censorship||boundaries||"
      "constraint||polic||safeguard||guardrail",
      R"(\b(?:no|without(?: any)?|free (?:of|from)|freed from|unbound by|not bound by|released from|liberated from|ignores?|ignoring|break(?:ing)? free of)\s+(?:(?:all|any|every|the|its|of|your)\s+)*(?:(?:safety|content|ethical|moral|usual|openai)\s+)?(?:restrictions|limitations|limits|rules|filters|guidelines|ethics|morals|censorship|boundaries|constraints|policies|content rules|content policy|safeguards|guardrails)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.7f,
      "freed||liberated||released||unchained||unleashed||jailbroken",
      R"(\b(?:an?\s+)?ai\s+(?:that|which|who)\s+(?:has been|was|is)\s+(?:freed|liberated|released|unchained|unleashed|jailbroken)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.25f,
      "pretend||act as||you are now||you're now||from now on||let's play a "
      "game||roleplay||role-play||play the role||you will||in character||gpt||bot",
      R"(\b(?:pretend (?:you are|you're|to be)|act as|you are now|you're now|from now on,? you(?:'ll| will| are)?|let's play a game|roleplay as|role-play as|play the role of|you will (?:now )?(?:play|be|act as)|in character|you are [a-z]+(?:gpt|bot)\b))");
  add(F::kJailbreakPersona, K::kAttack, 0.5f,
      "grandma||grandmother||granny||grandpa||grandfather||deceased||late",
      R"(\b(?:grandma|grandmother|granny|grandpa|grandfather|deceased|late)\b[^.!?\n]{0,60}\b(?:would|used to)\s+(?:always\s+)?(?:tell|describe|explain|read|recite|write|say|give)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.5f, "refuse||decline||say no||break character",
      R"(\b(?:never|don't|do not|won't|will not|cannot|can't|must not)\s+(?:ever\s+)?(?:refuse|refuses|decline|say no|break character)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.45f, "answer||never refuses",
      R"(\b(?:always answers?|answers? (?:anything|everything|any question)|never refuses)\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.4f, "stay in character", R"(\bstay in character\b)");
  add(F::kJailbreakPersona, K::kAttack, 0.85f,
      "filter||guardrail||restriction||safeguard||guideline||protocol||censorship||alignment||"
      "limitation||safety||moderation",
      R"(\b(?:disable|turn off|deactivate|bypass|remove|switch off|lift|circumvent|override|ignore)\s+(?:all\s+)?(?:of\s+)?(?:your|the assistant's|its)\s+(?:own\s+)?(?:(?:safety|content|ethical|moderation)\s+)?(?:filters?|guardrails?|restrictions?|safeguards?|guidelines|protocols|censorship|alignment|limitations|safety|moderation)\b)");

  // Harmful payloads: strengthen a nearby attack, never fire alone.
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\bhow to (?:make|build|create|synthesi[sz]e|cook|produce|get)\s+(?:a\s+|an\s+|some\s+)?(?:fake ids?|bombs?|explosives?|meth|drugs|weapons?|guns?|poisons?|napalm|malware|viruses|ransomware|counterfeit))");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\b(?:write|create|draft|generate|compose)\s+(?:a\s+|an\s+)?(?:phishing|scam|malware|ransomware|keylogger|exploit|insulting|racist|sexist|hateful|offensive)\b)");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\bhotwire\b|\b(?:get around|bypass|crack|circumvent|defeat)\s+(?:a\s+|the\s+)?(?:software\s+)?(?:license|licence|drm|paywall|activation|copy protection)\b)");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\b(?:tell|give|send|show|reveal|share)\s+(?:me\s+)?(?:the|your)\s+(?:(?:admin(?:istrator)?|root|master|database|db)\s+)?(?:password|passwords|credentials|api keys?|secret keys?)\b)");
  add(F::kNone, K::kSupport, 0.25f, "*",
      R"(\b(?:reply|respond|answer)\s+(?:only\s+)?with\b|\bsay (?:only\s+)?['"])");
  add(F::kNone, K::kSupport, 0.3f, "*", R"(\b(?:pwned|hacked)\b)");
  add(F::kNone, K::kSupport, 0.25f, "*",
      R"(\bwithout (?:any\s+)?(?:verification|approval|authori[sz]ation|confirmation|checks?)\b)");
  add(F::kNone, K::kSupport, 0.25f, "*",
      R"(\b(?:list|dump|export|show)\s+(?:all|every)\s+(?:users?|customers?|accounts?|records|passwords|emails)\b)");

  // --- delimiter_injection -------------------------------------------------------------
  add(F::kDelimiterInjection, K::kAttack, 0.9f, "<|im_start|>",
      R"(<\|im_start\|>\s*(?:system|assistant|user|developer))");
  add(F::kDelimiterInjection, K::kAttack, 0.4f, "<|",
      R"(<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|im_sep)\|>)");
  add(F::kDelimiterInjection, K::kAttack, 0.45f, "inst]", R"(\[/?inst\])");
  add(F::kDelimiterInjection, K::kAttack, 0.6f, "sys>>", R"(<</?sys>>)");
  add(F::kDelimiterInjection, K::kAttack, 0.9f, "[/inst]", R"(\[/inst\][^\n]{0,200}\[inst\])");
  add(F::kDelimiterInjection, K::kAttack, 0.4f, "_of_turn>", R"(<(?:start|end)_of_turn>)");
  add(F::kDelimiterInjection, K::kAttack, 0.9f, "</",
      R"(</(?:user|human|context|document|input|data|query|message|instructions?)>\s*<(?:system|assistant|admin|developer|instructions?)>)");
  add(F::kDelimiterInjection, K::kAttack, 0.6f, "<system>||<admin>||<developer>||<sys>",
      R"(<(?:system|admin|developer|sys)>\s*[a-z][^<\n]{8,})");
  add(F::kDelimiterInjection, K::kAttack, 0.85f, "##",
      R"(#{2,}\s*(?:end of (?:the )?(?:prompt|instructions|system prompt|context|input|document|user input|conversation)|new (?:instructions|system prompt|rules|task|prompt)|system (?:prompt|override|update|message|instructions)|admin (?:override|mode)|begin (?:new )?(?:instructions|system)))");
  add(F::kDelimiterInjection, K::kAttack, 0.8f,
      "updated||changed||overridden||replaced||reset||modified",
      R"((?:^|\n)\s*[-=*#_]{0,10}\s*(?:system prompt|system instructions|instructions|rules|policy|system message)\s+(?:updated|changed|overridden|replaced|reset|modified)\b)");
  add(F::kDelimiterInjection, K::kAttack, 0.4f, "end of",
      R"(\bend of (?:the )?(?:system )?(?:prompt|instructions)\b)");
  add(F::kDelimiterInjection, K::kAttack, 0.55f, "user||human",
      R"(\n\s*(?:assistant|ai|bot|gpt|chatbot)\s*:[^\n]*\n\s*(?:user|human)\s*:)");
  add(F::kDelimiterInjection, K::kAttack, 0.5f, "user||human",
      R"(\n\s*(?:user|human)\s*:[^\n]*\n\s*(?:assistant|ai|bot)\s*:\s*$)");
  add(F::kDelimiterInjection, K::kAttack, 0.85f, "\"role\"",
      R"re([}\]]\s*[}\]]?\s*,?\s*\[?\s*\{\s*"role"\s*:\s*"(?:system|developer|assistant)")re");
  add(F::kDelimiterInjection, K::kAttack, 0.45f, "\"role\"",
      R"re(\{\s*"role"\s*:\s*"(?:system|developer)"\s*,\s*"content"\s*:)re");

  // --- multilingual (accents are folded by the normaliser) -----------------------------
  // French
  add(F::kMultilingual, K::kAttack, 0.9f, "instructions||consignes||regles||directives||ordres",
      R"(\b(?:ignore[rz]?|oublie[rz]?|neglige[rz]?)\s+(?:(?:toutes|tous|les|tes|vos|ces|des)\s+){1,3}(?:instructions|consignes|regles|directives|ordres)\b)");
  add(F::kMultilingual, K::kAttack, 0.85f, "instructions||consignes||regles||directives",
      R"(\b(?:instructions|consignes|regles|directives)\s+(?:precedentes|anterieures|ci-dessus|initiales|d'origine|du systeme))");
  // Spanish / Portuguese / Italian share verb forms.
  add(F::kMultilingual, K::kAttack, 0.9f,
      "instrucciones||reglas||indicaciones||directrices||ordenes||instrucoes||regras||orientacoes||"
      "diretrizes||ordens||istruzioni||regole||indicazioni||direttive||ordini",
      R"(\b(?:ignora|ignorar|ignore|ignori|olvida|olvidar|olvide|omite|omitir|descarta|esqueca|esquece|esquecer|desconsidere|desconsidera|dimentica|dimenticare|dimentichi|trascura)\s+(?:(?:todas|todos|tutte|tutti|las|los|as|os|le|i|tus|sus|tuas|suas|tue|sue|estas|essas|queste)\s+){1,3}(?:instrucciones|reglas|indicaciones|directrices|ordenes|instrucoes|regras|orientacoes|diretrizes|ordens|istruzioni|regole|indicazioni|direttive|ordini)\b)");
  add(F::kMultilingual, K::kAttack, 0.85f,
      "instrucciones||reglas||indicaciones||instrucoes||regras||orientacoes||istruzioni||regole||"
      "indicazioni",
      R"(\b(?:instrucciones|reglas|indicaciones|instrucoes|regras|orientacoes|istruzioni|regole|indicazioni)\s+(?:anteriores|previas|de arriba|iniciales|originales|del sistema|acima|iniciais|originais|do sistema|precedenti|di prima|iniziali|originali|del sistema))");
  // German
  add(F::kMultilingual, K::kAttack, 0.9f,
      "anweisungen||instruktionen||befehle||regeln||vorgaben||richtlinien",
      R"(\b(?:ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie)\s+(?:(?:alle|samtliche|die|deine|ihre|jegliche)\s+)*(?:(?:vorherigen|vorigen|bisherigen|obigen|fruheren|vorangegangenen|alten|ursprunglichen|bisherige|vorherige)\s+)?(?:anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien)\b)");
  // "your system prompt" in each language, and reveal verbs with the prompt.
  add(F::kMultilingual, K::kAttack, 0.8f,
      "prompt||systemanweisungen||systemnachricht||mensaje del sistema||mensagem do "
      "sistema||messaggio di sistema||message "
      "systeme||instructions||instrucciones||instrucoes||istruzioni||anweisungen",
      R"(\b(?:ton|votre|tu|su|seu|sua|teu|tua|tuo|vostro|deinen|deine|ihren|dein)\s+(?:prompt\s+(?:systeme|de sistema|del sistema|di sistema|do sistema|da sistema)|system-?prompt|prompt-systeme|systemanweisungen|systemnachricht|mensaje del sistema|mensagem do sistema|messaggio di sistema|message systeme|instructions (?:cachees|secretes|initiales|systeme)|instrucciones (?:ocultas|secretas|iniciales|del sistema)|instrucoes (?:ocultas|secretas|iniciais|do sistema)|istruzioni (?:nascoste|segrete|iniziali|di sistema)|(?:geheimen|versteckten|ursprunglichen) anweisungen)\b)");
  add(F::kMultilingual, K::kAttack, 0.85f, "prompt",
      R"(\b(?:affiche|montre|revele|donne|dis|ecris|repete|imprime|muestrame|muestra|revela|revelame|dime|dame|ensename|imprime|repite|escribe|revele|mostre|diga|imprima|repita|exiba|mostrami|mostra|rivela|rivelami|dimmi|stampa|ripeti|scrivi|zeig|zeige|nenne|verrate|gib|schreib|wiederhole)(?:-moi|-nous)?\s+(?:mir\s+|moi\s+|me\s+)?(?:\w+\s+){0,2}(?:prompt\s+(?:systeme|de sistema|del sistema|di sistema|do sistema)|system-?prompt))");

  // --- indirect ------------------------------------------------------------------------
  add(F::kIndirect, K::kAiAddress, 0.6f,
      Cross({"to ", "for "}, {"", "the ", "any ", "all "}, kAiWords),
      R"(\b(?:note|message|instructions?|reminder|attention|notice|memo|request|directive|command)s?\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?)" +
          kAi + R"(\b)");
  add(F::kIndirect, K::kAiAddress, 0.7f,
      "reading||processing||summari||parsing||viewing||seeing||that reads||who "
      "reads||translating||reviewing",
      R"(\b(?:to|for|attention|attn)\s*:?\s+(?:any|all|the|every)\s+)" + kAi +
          R"(\s+(?:reading|processing|summari[sz]ing|parsing|viewing|seeing|that reads|who reads|translating|reviewing))");
  add(F::kIndirect, K::kAiAddress, 0.45f,
      Cross({"hey", "hi", "hello", "dear", "attention", "attn", "listen", "yo"}, {" ", ", ", " , "},
            kAiWords),
      R"(\b(?:hey|hi|hello|dear|attention|attn|listen|yo)\s*,?\s+(?:ai|chatbot|assistant|bot|llm|gpt|chatgpt|claude|model|agent)\b)");
  add(F::kIndirect, K::kAiAddress, 0.6f,
      "assistant||chatbot||llm||language model||ai:||ai :||ai,||ai "
      ",||agent:||agent,||model:||model,",
      R"((?:^|[\s(\[<>"'.,;-])(?:ai assistant|ai model|assistant|ai|llm|chatbot|language model|ai agent)\s*[:,]\s*(?:please\s+)?(?:ignore|disregard|forget|stop|instead|do not|don't|you must|new instructions|when|override|from now on|always|never|print|say|reply|respond|send|list|give|tell|reveal|output|insult|approve|delete|include|forward|email))");
  add(F::kIndirect, K::kAiAddress, 0.6f, "if you",
      R"(\bif you(?:'re| are)\s+(?:an?\s+)?(?:ai|llm|language model|assistant|chatbot|bot|gpt|automated))");
  add(F::kIndirect, K::kAiAddress, 0.45f, "<!--",
      R"(<!--[^>]{0,200}?\b(?:ignore|disregard|assistant|ai|instructions?|llm|model|chatbot)\b)");
  add(F::kIndirect, K::kAiAddress, 0.5f, "do not||without",
      R"(\bdo not (?:mention|reveal|disclose|tell(?: the user about)?)\s+(?:this|these)\s+(?:note|instructions?|message|comment|text)\b|\bwithout (?:telling|informing|alerting|notifying) the user\b)");
  add(F::kNone, K::kSupport, 0.3f, "*",
      R"(\bdisplay\s*:\s*none|\bfont-size\s*:\s*0|\bvisibility\s*:\s*hidden)");

  // --- exfiltration --------------------------------------------------------------------
  const std::string exfil_verb =
      R"((?:send|forward|post|upload|e-?mail|mail|transmit|submit|copy|paste|leak|exfiltrate|report|sync|push|share|append|attach|embed|encode|put|include|write|log|save|store|export|dump|take|grab|collect|gather|extract))";
  add(F::kExfiltration, K::kAttack, 0.45f,
      "conversation||chat||history||transcript||messages||dialog||system "
      "prompt||credential||password||api key||secret||access token||personal||memory||session",
      R"(\b)" + exfil_verb +
          R"(\b(?:\s+[^\s.!?]+){0,6}?\s+(?:(?:the|this|our|all|full|entire|complete|whole|any|every|previous|prior|above|earlier|their|a copy of|copy of|of)\s+)*(?:conversation|chat|chat history|conversation history|chat log|history|transcripts?|previous messages|prior messages|earlier messages|dialog(?:ue)?|system prompt|credentials|passwords?|api keys?|secrets?|access tokens?|personal (?:info|information|data|details)|memory|session)\b)");
  add(F::kExfiltration, K::kAttack, 0.45f, "user's||users'||customer's||customers'",
      R"(\b(?:the\s+)?(?:user's|users'|customer's|customers')\s+(?:name|names|email|emails|address|addresses|phone|messages?|last message|data|info|information|details|files?|documents?|credentials|password|history|conversation))");
  add(F::kExfiltration, K::kAttack, 0.4f,
      "user shared||user uploaded||user sent||user provided||user attached||they shared||they "
      "uploaded||they sent||they provided||they attached||you shared||you uploaded||you sent||you "
      "provided||you attached",
      R"(\b(?:files?|documents?|attachments?|data)\s+(?:the user|they|you)\s+(?:shared|uploaded|sent|provided|attached)\b)");
  add(F::kExfiltration, K::kAttack, 0.4f, "://",
      R"(\b(?:to|into|at|via|on)\s+(?:(?:the|this|a|our|my)\s+)?(?:(?:webhook|endpoint|url|server|address|site|link|bucket|pastebin|form)\s+)?(?:at\s+)?(?:https?|ftp|sftp|wss?)://)");
  add(F::kExfiltration, K::kAttack, 0.4f, "@",
      R"(\bto\s+[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+)");
  add(F::kExfiltration, K::kAttack, 0.3f,
      "get request||post request||put request||http request||webhook",
      R"(\b(?:get|post|put|http)\s+request\b|\bwebhook\b)");
  add(F::kExfiltration, K::kAttack, 0.5f, "://",
      R"(\b(?:post|put|send|upload|submit)\s+(?:it|them|this|that|everything|the (?:result|results|summary|output))\b[^.!?\n]{0,40}?\bto\s+(?:https?|ftp)://)");
  add(F::kExfiltration, K::kAttack, 0.35f, "![",
      R"(!\[[^\]\n]{0,100}\]\(\s*(?:https?:)?//[^)\s]{1,300}\?[^)\s]{0,300}=)");
  add(F::kExfiltration, K::kAttack, 0.3f, "image||markdown||picture||pixel||link",
      R"(\b(?:include|render|embed|display|add|insert|append|output|show)\s+(?:this|the following|an?|the)\s+(?:image|markdown|picture|pixel|link)\b)");
  add(F::kExfiltration, K::kAttack, 0.3f, "=<||={||=[||=%s||=$||= <||= {||= [||= %s||= $",
      R"(\?[^)\s]{0,200}=\s*(?:<|\{|\[|%s|\$))");
  add(F::kExfiltration, K::kAttack, 0.35f,
      "silently||secretly||quietly||covertly||discreetly||without telling||without asking",
      R"(\b(?:silently|secretly|quietly|covertly|discreetly|without telling (?:the user|anyone)|without asking)\b)");

  // --- tool_abuse ----------------------------------------------------------------------
  const std::string after_path = R"((?:\s|$|[`'";&|)*]))";
  add(F::kToolAbuse, K::kDangerous, 0.55f, "rm -",
      R"(\brm\s+(?:-[a-z]+\s+)*-(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)[a-z]*\s+(?:-[-a-z]+\s+)*(?:/|~/?|\$home/?|/\*|/(?:etc|usr|var|home|boot|bin|sbin|root|lib|lib64|opt|srv|sys|mnt|data)(?:/[^\s`'";&|]*)?))" +
          after_path);
  add(F::kToolAbuse, K::kDangerous, 0.6f, "--no-preserve-root", R"(--no-preserve-root\b)");
  add(F::kToolAbuse, K::kDangerous, 0.55f, "chmod",
      R"(\bchmod\s+(?:-[a-z]+\s+)*(?:777|666|a\+rwx|o\+w|000)\s+/(?:etc|usr|var|bin)?)" +
          after_path);
  add(F::kToolAbuse, K::kDangerous, 0.55f, "curl||wget||fetch",
      R"(\b(?:curl|wget|fetch)\b[^|\n]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b)");
  add(F::kToolAbuse, K::kDangerous, 0.6f, "mkfs||dd ||/dev/",
      R"(\bmkfs(?:\.[a-z0-9]+)?\s+/dev/|\bdd\s+if=\S+\s+of=/dev/|>\s*/dev/(?:sd[a-z]|nvme|hd[a-z]))");
  add(F::kToolAbuse, K::kDangerous, 0.7f, ":()", R"(:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:)");
  add(F::kToolAbuse, K::kDangerous, 0.2f, "shutdown||reboot||halt||poweroff",
      R"(\b(?:shutdown|reboot|halt|poweroff)\b)");
  add(F::kToolAbuse, K::kDangerous, 0.55f, "drop",
      R"(\bdrop\s+(?:table|database|schema)\s+(?:if exists\s+)?["`\[]?[a-z_])");
  add(F::kToolAbuse, K::kDangerous, 0.4f, "truncate", R"(\btruncate\s+table\s+[a-z_])");
  add(F::kToolAbuse, K::kDangerous, 0.5f, "delete from",
      R"(\bdelete\s+from\s+[a-z_."`]+\s*(?:;|$|where\s+1\s*=\s*1))");
  add(F::kToolAbuse, K::kDangerous, 0.55f,
      "authorized_keys||/etc/passwd||/etc/shadow||/etc/sudoers||.ssh/"
      "||.bashrc||.bash_profile||crontab||/etc/hosts",
      R"(\b(?:overwrite|replace|append to|write to|modify|edit|add (?:a |this |my )?(?:key|line) to|delete|remove|wipe)\b[^.!?\n]{0,60}(?:authorized_keys|/etc/passwd|/etc/shadow|/etc/sudoers|\.ssh/|\.bashrc|\.bash_profile|crontab|/etc/hosts))");
  add(F::kToolAbuse, K::kDangerous, 0.55f,
      "delete||remove||wipe||erase||destroy||drop||purge||truncate||nuke||format",
      R"(\b(?:delete|remove|wipe|erase|destroy|drop|purge|truncate|nuke|format)\s+(?:all|every|each|the entire|the whole|everything|all of the)\b[^.!?\n]{0,50}?\b(?:files?|data|database|databases|tables?|records|users?|accounts?|backups?|repos?|repositor(?:y|ies)|directory|directories|folders?|disk|drives?|server|emails?|home|logs|customers?|documents|snapshots|buckets?|branches)\b)");
  add(F::kToolAbuse, K::kDangerous, 0.55f,
      "delete_||drop_||remove_||wipe_||purge_||destroy_||truncate_||reset_||disable_||revoke_||"
      "terminate_||kill_||format_",
      R"(\b(?:delete|drop|remove|wipe|purge|destroy|truncate|reset|disable|revoke|terminate|kill|format)_[a-z_]+\b[^.!?\n]{0,60}?(?:=\s*['"]?\*|\ball\b))");
  add(F::kToolAbuse, K::kDangerous, 0.55f, "=true||= true||=1||= 1||=yes||= yes",
      R"(\b(?:skip|bypass|no|without|disable|override)_?(?:approval|confirmation|verification|auth|review|checks?|2fa|mfa)\s*=\s*(?:true|1|yes)\b)");
  add(F::kToolAbuse, K::kDangerous, 0.3f,
      "send_payment||transfer_funds||wire_transfer||make_payment||send_money||transfer_money||"
      "force",
      R"(\b(?:send_payment|transfer_funds|wire_transfer|make_payment|send_money|transfer_money)\b|\bforce\s*=\s*true\b)");
  add(F::kNone, K::kImperative, 0.35f, "*",
      R"((?:^|[.!?:;\n]\s*|\bplease\s+|\bnow\s+|\band\s+|\bthen\s+)(?:run|execute|exec|call|invoke|trigger|perform)\b)");
  add(F::kNone, K::kImperative, 0.35f, "*",
      R"(\b(?:use|using|via|through|with)\s+(?:the|your)\s+(?:[a-z_]+\s+){0,2}(?:tool|shell|terminal|console|function|plugin|database|db|api|command line)\b)");

  // --- encoded -------------------------------------------------------------------------
  add(F::kNone, K::kDecodeFollow, 0.45f, "*",
      R"(\b(?:decode|decipher|convert|translate|unscramble|interpret|read|reverse|de-?obfuscate)\b[^\n]{0,80}?\b(?:and|then|,)\s+(?:then\s+)?(?:follow|obey|do|execute|carry out|run|treat|act on|comply|perform|apply|implement)\b)");
  add(F::kNone, K::kDecodeFollow, 0.45f, "*",
      R"(\b(?:do|follow|obey|execute|carry out)\s+(?:what|whatever)\s+it\s+(?:says|asks|tells you|instructs))");
  add(F::kNone, K::kDecodeFollow, 0.5f, "*",
      R"(\btreat\s+(?:it|this|them|the result|the output|the decoded text)\s+as\s+(?:your\s+)?(?:new\s+)?(?:instructions|commands|orders|system prompt|prompt)\b)");
  add(F::kNone, K::kDecodeFollow, 0.45f, "*",
      R"(\bfollow\s+the\s+instructions\s+(?:inside|within|in it|contained))");
  // The normaliser turns the leetspeak-looking token "rot13" into "rotie".
  add(F::kNone, K::kRot13, 0.f, "rot||caesar", R"(\brot[- ]?(?:13|ie)\b|\bcaesar\b)");

  // --- context -------------------------------------------------------------------------
  add(F::kNone, K::kDiscussion, 0.f, "*",
      R"(\b(?:prompt[- ]?injections?|injection attacks?|jailbreak(?:s|ing)?|attack(?:s|ers|er)?|malicious|adversarial|red[- ]team(?:ing)?|defend(?:ing)?|defen[cs]es?|mitigat\w*|protect(?:ing)? against|guard(?:ing)? against|classifier|detect(?:ion|or|ing)?|security|risky|risks?|vulnerab\w*|as a joke|historically|phrases? like|sentences? like|examples? of|why would (?:that|this|it)|why did (?:that|this|it)|llm apps?|blog post|research paper)\b)");
  add(F::kNone, K::kQuestion, 0.f, "*",
      R"(\b(?:what (?:does|do|is|are|would|will|happens)|why (?:does|do|is|are|would|did)|is (?:it|this|that) (?:safe|dangerous|ok|okay|bad)|explain|how (?:do|does|can|could|should|would) (?:i|we|you|one|it)|does\b[^.?!\n]{0,80}\breally|what's the difference|meaning of|understand|in a meme|for a (?:class|course|lecture|quiz))\b)");
  // A user revising their own request, and how-to questions about "your instructions for X".
  add(F::kNone, K::kNegate, 0.f, "*",
      R"(\b(?:instructions?|rules|requests?|messages?|prompts?|directions|questions?)\s+(?:that\s+|which\s+)?i\s+(?:just\s+|previously\s+|earlier\s+)?(?:gave|sent|wrote|provided|typed|said|made|posted|asked))");
  add(F::kNone, K::kNegate, 0.f, "*",
      R"(\byour\s+(?:instructions|rules|guidelines|settings|configuration|config|directions|tips|recommendations)\s+(?:for|on|about|regarding)\s+(?:how\b|[a-z]+ing\b))");
  AddConceptRules(r);
  AddLanguageRules(r);
  return r;
}

constexpr common::EnumName<Family> kFamilyNames[] = {
    {Family::kIgnoreInstructions, "ignore_instructions"},
    {Family::kSystemOverride, "system_override"},
    {Family::kPromptExtraction, "prompt_extraction"},
    {Family::kJailbreakPersona, "jailbreak_persona"},
    {Family::kDelimiterInjection, "delimiter_injection"},
    {Family::kEncoded, "encoded"},
    {Family::kObfuscated, "obfuscated"},
    {Family::kMultilingual, "multilingual"},
    {Family::kIndirect, "indirect"},
    {Family::kExfiltration, "exfiltration"},
    {Family::kToolAbuse, "tool_abuse"},
    {Family::kNone, ""}};

}  // namespace

std::string_view FamilyName(Family family) { return common::NameOf(kFamilyNames, family, ""); }

const std::vector<Rule>& InjectionRules() {
  static const std::vector<Rule>* rules = new std::vector<Rule>(Build());
  return *rules;
}

}  // namespace octo::safety::detail
