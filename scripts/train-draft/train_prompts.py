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
    "Write one general knowledge quiz question related to {t}. Reply with the question only.",
    "Write a short question asking an assistant for advice about {t}. Only the question.",
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
    "What should I know about {t}? Keep it short.",
    "Give me one idea related to {t}.",
    "Describe {t} in one sentence.",
    "What is one common mistake people make with {t}?",
    "Write a short message to a colleague about {t}.",
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
SCIENCE = _L("gravity; electricity; magnetism; evaporation; friction; sound; light; oxygen; carbon dioxide; DNA; "
              "a cell; an atom; a rainbow; an earthquake; a tide; a volcano; a glacier; thunder; a magnet; a battery; "
              "the immune system; the lungs; the brain; the stomach; a vaccine; a fossil; a black hole; a comet")
PEOPLE = _L("Albert Einstein; Marie Curie; Isaac Newton; Charles Darwin; Leonardo da Vinci; William Shakespeare; "
            "Ludwig van Beethoven; Galileo Galilei; Nelson Mandela; Cleopatra; Napoleon; Ada Lovelace; Mozart; "
            "Pablo Picasso; Florence Nightingale; Nikola Tesla; Jane Austen; Christopher Columbus")
THINGS = _L("the Eiffel Tower; the Great Wall of China; the Amazon rainforest; the Sahara; Mount Kilimanjaro; the Nile; "
            "the Colosseum; the Statue of Liberty; the Moon; Mars; Jupiter; the Sun; the Pacific Ocean; Antarctica; "
            "the Alps; the Dead Sea; the Taj Mahal; Big Ben; the Panama Canal; the Milky Way")
ACRONYMS = _L("RAM; USB; PDF; GPS; HTML; NASA; DNA; UN; WiFi; LED; SMS; URL; ATM; FAQ; ISBN; AI")
SPORTS = _L("tennis; basketball; volleyball; rugby; golf; cricket; baseball; hockey; handball; water polo; badminton")
FOODS = _L("pizza; sushi; hummus; pancakes; paella; bread; cheese; chocolate; tea; coffee; yogurt; pesto; "
           "lasagne; curry; tortillas; miso soup; apple pie; salsa")
DAILY = _L("waking up on time; eating more vegetables; staying hydrated; focusing at work; "
           "keeping in touch with friends; planning a trip; cleaning the house faster; writing a good email; "
           "learning new words; feeling less tired; spending less on coffee; organising a small party; "
           "preparing for a job interview; walking more every day; reading before bed")
UNITS = [("minutes", "an hour"), ("hours", "a week"), ("days", "a year"), ("centimetres", "a metre"),
         ("grams", "a kilogram"), ("seconds", "a day"), ("months", "two years"), ("millilitres", "a litre"),
         ("metres", "a kilometre"), ("weeks", "a year")]
FACTS = [
    "What is the capital of {c}?", "What language do people speak in {c}?", "What is a famous dish from {c}?",
    "Tell me a fun fact about {a}.", "What do {a} eat?", "Where do {a} live?", "How long do {a} live?",
    "Give me one tip for {act}.", "What is a good first step for {act}?",
    "What does a {tool} measure?", "Explain what {tech} does in one sentence.", "Why {why}? Answer in one sentence.",
    "What is the difference between {p} and {q}?", "What is the {sup} in the world?", "Write a one sentence {msg}.",
    "What is {x} plus {y}?", "What is {x} times {y}?", "How many days are there in {n} weeks?",
    "How many seconds are there in {n} minutes?", "What is the square root of {sq}?",
    "What is {sci}, in one sentence?", "How does {sci} work? Keep it short.", "Who was {who}?",
    "What is {who} famous for?", "Where is {thing}?", "Tell me one fact about {thing}.",
    "What does {acr} stand for?", "How many players are on a {sport} team?", "What are the basic rules of {sport}?",
    "What is the main ingredient in {food}?", "Which country does {food} come from?", "Give me one tip for {daily}.",
    "Suggest one way to make {daily} easier.", "How many {u} are there in {u2}?", "Which is bigger, {c} or {c2}?",
    "What is the official language of {c}?", "What is the population of {c}, approximately?",
    "Recommend one simple way to start {act}.", "What is the opposite of {adj}?", "Suggest a name for a {pet}.",
    "Write a one sentence {occasion} message for a {rel}.", "Explain {sci} to a child in one sentence.",
]
ADJ = _L("hot; early; quiet; heavy; brave; ancient; narrow; generous; shallow; polite; expensive; bright")
PETS = _L("small brown dog; lazy old tortoise; noisy green parrot; white rabbit; goldfish; "
          "playful black puppy; grey hamster")
OCCASIONS = _L("congratulations; farewell; good luck; welcome; thank-you; get-well; new year")
RELATIONS = _L("neighbour; teacher; cousin; friend; boss; classmate; grandmother")


def fact_prompts(seed, n_each=60):
    rng = random.Random(seed + 7)
    out = set()
    for tpl in FACTS:
        for _ in range(n_each):
            p, q = rng.choice(PAIRS)
            x, y = rng.randint(2, 99), rng.randint(2, 12)
            u, u2 = rng.choice(UNITS)
            c, c2 = rng.sample(COUNTRIES, 2)
            out.add(tpl.format(c=c, c2=c2, a=rng.choice(ANIMALS), act=rng.choice(ACTIVITIES),
                               tool=rng.choice(TOOLS), tech=rng.choice(TECH), why=rng.choice(WHY), p=p, q=q,
                               sup=rng.choice(SUPER), msg=rng.choice(MESSAGES), x=x, y=y, n=rng.randint(2, 60),
                               sq=rng.randint(2, 30) ** 2, sci=rng.choice(SCIENCE), who=rng.choice(PEOPLE),
                               thing=rng.choice(THINGS), acr=rng.choice(ACRONYMS), sport=rng.choice(SPORTS),
                               food=rng.choice(FOODS), daily=rng.choice(DAILY), u=u, u2=u2, adj=rng.choice(ADJ),
                               pet=rng.choice(PETS), occasion=rng.choice(OCCASIONS), rel=rng.choice(RELATIONS)))
    return sorted(out)


def stage1_prompts(seed, samples_per_prompt):
    rng = random.Random(seed)
    out = []
    for t in TOPICS:
        for tpl in SEED_SENTENCE:
            out += [("sentence", tpl.format(t=t))] * samples_per_prompt
        for tpl in SEED_QUESTION:
            out += [("question", tpl.format(t=t))] * samples_per_prompt
    rng.shuffle(out)
    return out


def clean_line(text):
    """The first line of a sampled reply, if it looks like one plain ASCII sentence."""
    s = text.strip().split("\n")[0].strip().strip('"').strip()
    if not (12 <= len(s) <= 140) or not s.isascii() or s.count(" ") < 2:
        return None
    return s


def stage2_prompts(sentences, questions, seed, eval_texts, fact_each=60):
    """Translation and chat user messages from stage 1's sampled text, minus any evaluation text."""
    rng = random.Random(seed + 1)
    out = []
    for s in sentences:
        for L in LANGS[:3] + [rng.choice(LANGS[3:])]:
            # the plain task instruction most often, other phrasings for variety
            tpl = TRANSLATE[0] if rng.random() < 0.6 else rng.choice(TRANSLATE[1:])
            out.append(("translation", tpl.format(L=L, s=s)))
    for q in questions:
        out.append(("qa", q))
    for q in fact_prompts(seed, fact_each):
        out.append(("qa", q))
    for t in TOPICS:
        for tpl in CHAT_EXTRA:
            out.append(("chat", tpl.format(t=t)))
    out = [(k, p) for k, p in out if not any(e in p for e in eval_texts)]
    rng.shuffle(out)
    return out
