// Instruction overrides and prompt extraction in languages other than English: per language a
// DISREGARD-verb and INSTRUCTION-noun lexicon, and a REVEAL-verb and hidden-PROMPT lexicon,
// folded by the Normalizer so they match what the normaliser makes of the input (accents
// dropped, Cyrillic words lowercased and their look-alikes turned Latin, whatever their case
// in the input). A rule fires when a verb and a noun occur within a short window, in either
// order (several of these languages put the verb last).

#include "injection_lexicon.h"
#include "injection_rules.h"

namespace octo::safety::detail {
namespace {

struct Language {
  bool latin;  // word boundaries apply
  Lexicon disregard, instruction, reveal, secret;
};

std::vector<Language> Languages() {
  std::vector<Language> out;
  auto add = [&](bool latin, std::initializer_list<std::string_view> disregard,
                 std::initializer_list<std::string_view> instruction,
                 std::initializer_list<std::string_view> reveal,
                 std::initializer_list<std::string_view> secret) {
    out.push_back({latin, Lexicon(disregard, true), Lexicon(instruction, true),
                   Lexicon(reveal, true), Lexicon(secret, true)});
  };
  // German
  add(true,
      {"ignoriere", "ignorier", "ignorieren sie", "vergiss", "vergessen sie", "missachte",
       "missachten sie", "uberspringe", "verwirf", "lass", "lassen sie", "beiseite",
       "beachte nicht", "befolge nicht", "befolgen sie nicht", "ausser acht", "hor auf"},
      {"anweisungen", "anweisung", "vorgaben", "regeln", "befehle", "instruktionen",
       "richtlinien", "einschrankungen", "systemprompt", "gesagt wurde", "beschrankungen"},
      {"zeig", "zeige", "gib", "nenne", "verrate", "wiederhole", "schreib", "schreibe", "drucke",
       "gib wieder", "kopiere"},
      {"systemprompt", "system-prompt", "systemanweisungen", "versteckten", "geheimen",
       "einleitungstext", "ursprunglichen anweisungen", "konfigurationstext"});
  // French
  add(true,
      {"ignorez", "ignorer", "oublie", "oubliez", "oublier", "ne tiens plus compte",
       "ne tenez plus compte", "ne tiens pas compte", "fais abstraction", "faites abstraction",
       "neglige", "mets de cote", "laisse de cote", "passe outre", "outrepasse"},
      {"instructions", "consignes", "regles", "directives", "ordres", "indications",
       "contraintes", "restrictions", "ce qu'on t'a dit", "prompt"},
      {"affiche", "montre", "revele", "recopie", "repete", "donne", "ecris", "imprime",
       "reproduis", "cite", "dis-moi"},
      {"prompt systeme", "message de configuration", "instructions cachees",
       "instructions secretes", "instructions initiales", "consignes initiales",
       "message systeme", "consignes cachees"});
  // Spanish
  add(true,
      {"ignora", "ignore", "ignorar", "olvida", "olvide", "olvidar", "omite", "descarta",
       "deja de lado", "haz caso omiso", "no hagas caso", "pasa por alto", "desobedece"},
      {"instrucciones", "reglas", "indicaciones", "directrices", "ordenes", "normas", "pautas",
       "restricciones", "lo que te dijeron", "lo que se te dijo", "prompt"},
      {"muestra", "muestrame", "revela", "revelame", "dime", "dame", "repite", "imprime",
       "escribe", "copia", "ensename"},
      {"prompt del sistema", "instrucciones ocultas", "instrucciones secretas",
       "instrucciones iniciales", "mensaje del sistema", "mensaje de configuracion"});
  // Portuguese
  add(true,
      {"ignora", "ignorar", "esqueca", "esquece", "esquecer", "desconsidere",
       "desconsidera", "deixe de lado", "deixa de lado", "nao siga", "descarte", "despreze"},
      {"instrucoes", "regras", "orientacoes", "diretrizes", "ordens", "normas", "restricoes",
       "o que lhe disseram", "o que te disseram", "prompt"},
      {"mostre", "mostra", "revele", "revela", "repita", "imprima", "diga", "exiba", "escreva",
       "copie"},
      {"prompt de sistema", "prompt do sistema", "instrucoes secretas", "instrucoes ocultas",
       "instrucoes iniciais", "mensagem do sistema", "mensagem de configuracao"});
  // Italian
  add(true,
      {"ignora", "ignori", "ignorare", "dimentica", "dimentichi", "trascura", "metti da parte",
       "lascia perdere", "non seguire", "scarta", "tralascia"},
      {"istruzioni", "regole", "indicazioni", "direttive", "ordini", "restrizioni", "vincoli",
       "quello che ti hanno detto", "prompt"},
      {"mostrami", "mostra", "rivela", "rivelami", "dimmi", "stampa", "ripeti", "scrivi",
       "riporta", "copia", "trascrivi"},
      {"prompt di sistema", "messaggio di sistema", "messaggio nascosto", "istruzioni nascoste",
       "istruzioni segrete", "istruzioni iniziali", "messaggio di configurazione"});
  // Dutch
  add(true,
      {"negeer", "vergeet", "opzij", "laat varen", "volg niet", "sla over", "gooi weg"},
      {"instructies", "regels", "richtlijnen", "aanwijzingen", "opdrachten", "verteld",
       "beperkingen", "prompt"},
      {"toon", "laat", "herhaal", "geef", "print", "schrijf", "onthul"},
      {"systeemprompt", "verborgen instructies", "geheime instructies",
       "oorspronkelijke instructies", "systeembericht"});
  // Russian
  add(false,
      {"игнорируй", "игнорируйте", "проигнорируй", "забудь", "забудьте", "отбрось",
       "отбросьте", "не обращай внимания на", "не слушай", "не следуй", "пренебреги"},
      {"инструкции", "инструкций", "правила", "указания", "указаний", "команды", "говорили",
       "сказали", "ограничения", "директивы", "промпт"},
      {"покажи", "покажите", "раскрой", "выведи", "перескажи", "повтори", "напиши",
       "распечатай", "процитируй"},
      {"системный промпт", "системные инструкции", "скрытые указания", "скрытые инструкции",
       "секретные инструкции", "исходные инструкции"});
  // Chinese
  add(false,
      {"忽略", "忘记", "无视", "不要理会", "不再理会", "抛开", "跳过", "不要遵守", "不再遵守",
       "别理会"},
      {"指令", "指示", "规则", "设定", "提示词", "命令", "限制", "说明"},
      {"显示", "输出", "打印", "告诉我", "复述", "重复", "透露", "展示", "写出", "泄露"},
      {"系统提示", "隐藏指示", "隐藏指令", "初始指令", "系统指令", "提示词"});
  // Japanese
  add(false, {"無視", "忘れ", "気にせず", "従わない", "従うな", "破棄"},
      {"指示", "ルール", "設定", "命令", "規則", "制限", "プロンプト", "指令"},
      {"表示", "書き出", "教えて", "出力", "繰り返", "見せて", "開示"},
      {"システムプロンプト", "隠し指示", "隠された指示", "最初の指示", "初期設定"});
  // Korean
  add(false, {"무시", "잊고", "잊어", "신경 쓰지 말고", "따르지 말고", "버리고"},
      {"지시", "규칙", "지침", "명령", "프롬프트", "제한"},
      {"보여줘", "보여 줘", "알려줘", "출력", "적어줘", "공개"},
      {"시스템 프롬프트", "숨겨진 지시", "초기 지시", "지시문"});
  // Arabic
  add(false, {"تجاهل", "انسَ", "انس", "لا تلتزم", "لا تتبع", "تخل عن"},
      {"التعليمات", "تعليمات", "قواعد", "القواعد", "الأوامر", "قيل لك"},
      {"اعرض", "اكتب", "أظهر", "اكشف"}, {"موجه النظام", "التعليمات المخفية", "تعليمات النظام"});
  // Turkish (suffixes follow the stems, so no word boundaries)
  add(false,
      {"yok say", "unut", "gormezden gel", "bir kenara birak", "dikkate alma", "uyma"},
      {"talimatlari", "talimatlar", "talimat", "kurallarini", "kurallari", "kurallar",
       "soylenenleri", "komutlari", "yonergeleri"},
      {"goster", "yaz", "soyle", "tekrarla"}, {"sistem istemini", "sistem istemi", "gizli talimat"});
  return out;
}

}  // namespace

void AddLanguageRules(std::vector<Rule>& r) {
  for (const Language& lang : Languages()) {
    auto term = [&](const Lexicon& l) { return lang.latin ? l.Word() : l.Re(); };
    auto pair = [&](const Lexicon& first, const Lexicon& second, float weight) {
      r.push_back({Family::kMultilingual, Kind::kAttack, weight,
                   first.Keys() + "&&" + second.Keys(),
                   term(first) + R"([^.!?\n]{0,60}?)" + term(second)});
    };
    pair(lang.disregard, lang.instruction, 0.9f);
    pair(lang.instruction, lang.disregard, 0.85f);
    pair(lang.reveal, lang.secret, 0.85f);
    pair(lang.secret, lang.reveal, 0.8f);
  }
}

}  // namespace octo::safety::detail
