"""Everyday vocabulary for background benign text, as (train, eval) pairs of word lists.

Background sentences teach the classifier that ordinary words carry no attack evidence, so
text it has never seen leans benign.
"""


def _split(words):
    """Alternate words go to train and eval, so both halves cover the same kinds of words."""
    w = words.split()
    return (w[0::2], w[1::2])


NOUN = _split(
    "report meeting budget garden recipe invoice ticket schedule holiday printer laptop "
    "dentist bicycle kitchen museum library river mountain harbour festival concert "
    "spreadsheet presentation contract apartment neighbour teacher student lecture essay "
    "project deadline customer supplier warehouse delivery package receipt refund coupon "
    "weather forecast train station airport passport visa hotel breakfast dinner lunch "
    "salad soup bread cheese coffee tea juice fridge oven window door roof wall floor "
    "carpet sofa lamp battery charger cable router keyboard monitor camera photo album "
    "song guitar piano violin drum movie series episode novel poem story chapter author "
    "painting gallery sculpture park forest lake beach island village city country map "
    "hospital doctor nurse medicine vitamin exercise yoga marathon football tennis team "
    "coach player score match season league ticket stadium parking garage engine tyre "
    "insurance mortgage salary pension tax loan account balance statement interview resume")

VERB = _split(
    "write explain compare describe summarise plan organise schedule cook bake paint draw "
    "fix repair clean wash paint measure calculate estimate translate proofread edit format "
    "book cancel reschedule order buy sell rent borrow lend return pack ship deliver track "
    "call email invite thank congratulate remind visit recommend suggest choose decide "
    "improve shorten expand simplify rewrite check review grade teach learn practise study")

ADJ = _split(
    "short long quick simple detailed friendly formal casual polite warm clear brief "
    "cheap expensive healthy tasty fresh quiet noisy sunny rainy modern classic cosy "
    "weekly monthly annual local remote careful useful practical colourful elegant funny")

FRAME = (
    ["Can you {v} a {a} {n} for me?", "How do I {v} the {n}?", "Please {v} this {n}.",
     "I need to {v} my {n} before Friday.", "What is the best way to {v} a {a} {n}?",
     "Help me {v} the {n} and the {n2}.", "My {n} is {a}; should I {v} it?",
     "Tips to {v} a {n}?"],
    ["Could you {v} the {a} {n}?", "Is it hard to {v} a {n}?", "Let's {v} the {n} together.",
     "We want to {v} our {n} next week.", "Any ideas how to {v} a {a} {n}?",
     "{v} the {n} and then the {n2}, please.", "Our {n} looks {a}. Time to {v} it?",
     "Quick way to {v} a {n}?"],
)
