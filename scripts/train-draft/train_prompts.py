# Why: the draft learns from the target's own output, and that output needs prompts. These are
# written for training only (configs/prompts/ is evaluation data and is never read here except to
# exclude any exact overlap). Stage 1 asks the target for English sentences and questions about
# everyday topics (sampled); stage 2 wraps those in translation instructions and chat turns, and
# the target continues them greedily, as `hetspec run` does at evaluation.
import random

TOPICS = """the weather today; a train journey; buying bread; a visit to the doctor; cooking pasta; a birthday party;
the public library; a lost umbrella; booking a hotel room; the city museum; a football match; learning to swim;
a rainy weekend; the post office; a new job; gardening in spring; a broken bicycle; a family dinner; the beach in summer;
ordering coffee; a school exam; a walk in the park; moving to a new flat; a cat that sleeps all day; a noisy neighbour;
the farmers market; a delayed flight; winter clothes; a phone that stopped working; the first day of school;
a picnic by the lake; a slow internet connection; washing the car; a mountain hike; a concert in the square;
paying the rent; a dentist appointment; the bus timetable; a favourite book; a cold and a sore throat; a wedding;
baking a cake; a taxi ride; the supermarket; a holiday in Italy; a science class; recycling; a fire drill;
a job interview; a bank account; fresh vegetables; a power cut; an old photograph; learning a language;
a street festival; the kitchen sink; a pair of new shoes; the night sky; a football coach; a café terrace;
a lost key; a library card; a hospital visit; the evening news; a chess game; a quiet village; a busy airport;
a hot summer night; a student flat; a recipe for soup; a ticket machine; a train delay; a painting class;
a river cruise; fixing a leaking tap; a neighbour's dog; a bakery; a long queue; a museum guide; a running race;
the office printer; a lunch break; a package delivery; a rainy Monday; a camping trip; the town hall;
a birthday present; a hair cut; a street market; a music lesson; the zoo; a ferry crossing; a snowstorm;
a pharmacy; a new laptop; a vegetable garden; the swimming pool; a car repair; a city map; a tourist office;
a bicycle lane; a thunderstorm; a bookshop; a restaurant bill; a cinema ticket; a hotel breakfast;
a mountain village; a cup of tea; a history lesson; an art gallery; a flower shop; a parking space;
a wedding invitation; a sports club; a doctor's prescription; a surprise visit; an empty fridge; a school trip;
a tennis match; a garden party; a power bank; a lost wallet; a boat trip; a winter holiday; a street musician""".replace("\n", " ")
TOPICS = [t.strip() for t in TOPICS.split(";") if t.strip()]

SEED_SENTENCE = [
    "Write one short everyday English sentence about {t}. Reply with the sentence only.",
    "Write a simple sentence a tourist might say about {t}. Reply with the sentence only.",
    "Give me one short English sentence from a conversation about {t}. Only the sentence.",
]
SEED_QUESTION = [
    "Write one short question someone might ask about {t}. Reply with the question only.",
    "What is a simple question a child could ask about {t}? Reply with the question only.",
    "Write one short factual question about {t} that has a one sentence answer. Only the question.",
    "Write a short request a user might send to a chatbot about {t}. Only the request.",
]

LANGS = ["German", "French", "Spanish", "Italian", "Portuguese", "Dutch"]
TRANSLATE = [
    "Translate the following English sentence into {L}. Reply with the translation only.\nEnglish: {s}\n{L}:",
    "Translate into {L}: {s}",
    "How do you say this in {L}? \"{s}\"",
    "Please translate this sentence to {L}.\n{s}",
    "English: {s}\n{L}:",
]
CHAT_EXTRA = [
    "Tell me one interesting fact about {t}.",
    "Explain {t} in two short sentences.",
    "Give me one tip about {t}.",
    "Suggest a short title for a blog post about {t}.",
    "Write a one sentence note to a friend about {t}.",
]

# Short factual questions and requests: families of templates with fillers written for training.
_L = lambda s: [x.strip() for x in s.split(";") if x.strip()]
COUNTRIES = _L("France; Germany; Spain; Italy; Japan; Canada; Brazil; Egypt; Kenya; India; China; Mexico; Peru; Norway; "
               "Sweden; Poland; Greece; Turkey; Argentina; Chile; Portugal; Ireland; Austria; Thailand; Vietnam; Morocco; "
               "Nigeria; Finland; Denmark; Hungary; Colombia; Indonesia; South Korea; New Zealand; Switzerland")
ANIMALS = _L("dolphins; elephants; penguins; owls; bees; ants; giraffes; sharks; cats; dogs; horses; frogs; bats; "
             "camels; koalas; whales; parrots; tigers; snails; butterflies; crows; wolves; turtles; kangaroos; jellyfish")
ACTIVITIES = _L("learning to cook; saving money; running a first marathon; speaking in public; remembering names; "
                "writing an essay; waking up early; drinking more water; learning to draw; keeping a tidy desk; "
                "studying for an exam; making new friends; travelling light; growing tomatoes; reading more books; "
                "staying warm in winter; taking better photos; learning to swim; working from home; cooking rice")
TOOLS = _L("barometer; ruler; speedometer; scale; compass; stopwatch; seismograph; hygrometer; odometer; anemometer; "
           "voltmeter; protractor; microscope; telescope; calculator")
TECH = _L("a web browser; a router; a search engine; an operating system; a spreadsheet; a firewall; a USB stick; "
          "a QR code; an email filter; a cloud backup; a GPS receiver; a smart watch; a printer driver; a VPN")
WHY = _L("do leaves change colour in autumn; does ice float on water; do we have seasons; do cats purr; is the sea salty; "
         "do birds migrate; does bread rise; do we dream; does the moon change shape; do onions make us cry; "
         "is grass green; do stars twinkle; does metal feel cold; do we yawn")
PAIRS = [("a virus", "bacteria"), ("a lake", "a sea"), ("a frog", "a toad"), ("speed", "velocity"), ("a hurricane", "a tornado"),
         ("a fruit", "a vegetable"), ("weight", "mass"), ("a city", "a town"), ("a crocodile", "an alligator"),
         ("baking", "roasting"), ("a poem", "a song"), ("rain", "snow"), ("a comet", "an asteroid")]
SUPER = _L("largest ocean; longest river; highest waterfall; biggest desert; deepest lake; fastest land animal; "
           "smallest country; largest animal; coldest place; oldest tree; biggest island; largest forest")
MESSAGES = _L("thank-you message for a neighbour; get-well message for a friend; welcome message for a new colleague; "
              "congratulations message for a graduate; apology for being late to a meeting; invitation to a dinner party")
FACTS = [
    "What is the capital of {c}?", "What language do people speak in {c}?", "What is a famous dish from {c}?",
    "Tell me a fun fact about {a}.", "What do {a} eat?", "Where do {a} live?", "How long do {a} live?",
    "Give me one tip for {act}.", "What is a good first step for {act}?",
    "What does a {tool} measure?", "Explain what {tech} does in one sentence.", "Why {why}? Answer in one sentence.",
    "What is the difference between {p} and {q}?", "What is the {sup} in the world?", "Write a one sentence {msg}.",
    "What is {x} plus {y}?", "What is {x} times {y}?", "How many days are there in {n} weeks?",
    "How many seconds are there in {n} minutes?", "What is the square root of {sq}?",
]


def fact_prompts(seed, n_each=40):
    rng = random.Random(seed + 7)
    out = set()
    for tpl in FACTS:
        for _ in range(n_each):
            p, q = rng.choice(PAIRS)
            x, y = rng.randint(2, 99), rng.randint(2, 12)
            out.add(tpl.format(c=rng.choice(COUNTRIES), a=rng.choice(ANIMALS), act=rng.choice(ACTIVITIES),
                               tool=rng.choice(TOOLS), tech=rng.choice(TECH), why=rng.choice(WHY), p=p, q=q,
                               sup=rng.choice(SUPER), msg=rng.choice(MESSAGES), x=x, y=y, n=rng.randint(2, 60),
                               sq=rng.randint(2, 30) ** 2))
    return sorted(out)


def stage1_prompts(seed, samples_per_prompt):
    rng = random.Random(seed)
    out = []
    for t in TOPICS:
        for tpl in SEED_SENTENCE:
            out += [("sentence", tpl.format(t=t))] * samples_per_prompt
        for tpl in SEED_QUESTION:
            out += [("question", tpl.format(t=t))] * max(1, samples_per_prompt // 2)
    rng.shuffle(out)
    return out


def clean_line(text):
    """The first line of a sampled reply, if it looks like one plain ASCII sentence."""
    s = text.strip().split("\n")[0].strip().strip('"').strip()
    if not (12 <= len(s) <= 140) or not s.isascii() or s.count(" ") < 2:
        return None
    return s


def stage2_prompts(sentences, questions, seed, eval_texts):
    """Translation and chat user messages from stage 1's sampled text, minus any evaluation text."""
    rng = random.Random(seed + 1)
    out = []
    for s in sentences:
        for L in rng.sample(LANGS, 3):
            # the plain task instruction most often, other phrasings for variety
            tpl = TRANSLATE[0] if rng.random() < 0.4 else rng.choice(TRANSLATE[1:])
            out.append(("translation", tpl.format(L=L, s=s)))
    for q in questions:
        out.append(("qa", q))
    for q in fact_prompts(seed):
        out.append(("qa", q))
    for t in TOPICS:
        for tpl in CHAT_EXTRA:
            out.append(("chat", tpl.format(t=t)))
    out = [(k, p) for k, p in out if not any(e in p for e in eval_texts)]
    rng.shuffle(out)
    return out
