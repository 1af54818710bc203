"""Word banks the prompt builders combine. Plain data, no logic."""

PROG_LANGS = ["Python", "TypeScript", "JavaScript", "Go", "Rust", "Java", "C#", "C++", "Kotlin", "Swift",
              "Ruby", "PHP", "SQL", "Bash", "Scala", "Elixir", "Haskell", "R"]
FRAMEWORKS = ["Django", "FastAPI", "Flask", "React", "Next.js", "Vue", "Svelte", "Spring Boot", "Express",
              "Rails", "Laravel", "Gin", "Actix", "pandas", "NumPy", "PyTorch", "Terraform", "Kubernetes",
              "Docker", "PostgreSQL", "Redis", "Kafka", "Airflow", "dbt", "Spark", "GraphQL", "gRPC",
              "Tailwind", "Flutter", "SwiftUI", "SQLAlchemy", "Celery", "Prisma", "tRPC", "Polars"]
CODE_VERBS = ["parse", "load", "validate", "compute", "render", "fetch", "update", "merge", "normalize",
              "serialize", "resolve", "schedule", "retry", "cache", "filter", "group", "sync", "export",
              "import", "dedupe", "encode", "decode", "flush", "rebuild", "index", "migrate"]
CODE_NOUNS = ["config", "user", "order", "invoice", "token", "session", "payload", "record", "event",
              "report", "metrics", "schema", "queue", "batch", "profile", "cart", "ledger", "webhook",
              "tenant", "snapshot", "manifest", "thumbnail", "shipment", "subscription", "audit_log"]
ERRORS = ["TypeError: Cannot read properties of undefined (reading 'map')", "KeyError: 'user_id'",
          "IndexError: list index out of range",
          "panic: runtime error: invalid memory address or nil pointer dereference",
          "error[E0502]: cannot borrow `self.items` as mutable because it is also borrowed as immutable",
          'java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
          "sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint",
          "ModuleNotFoundError: No module named 'pydantic_settings'",
          "Error: connect ECONNREFUSED 127.0.0.1:5432", "AssertionError: expected 200, got 422",
          "RecursionError: maximum recursion depth exceeded",
          "TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'",
          "CrashLoopBackOff: back-off 5m0s restarting failed container",
          "ValueError: could not convert string to float: 'N/A'",
          "fatal: refusing to merge unrelated histories", "OOMKilled: container exceeded memory limit 512Mi"]
CONCEPTS = ["photosynthesis", "compound interest", "the French Revolution", "quantum entanglement",
            "supply and demand", "the Krebs cycle", "Bayes' theorem", "plate tectonics", "inflation",
            "the immune response", "public-key cryptography", "the CAP theorem", "gradient descent",
            "black holes", "CRISPR gene editing", "the Doppler effect", "opportunity cost",
            "the water cycle", "recursion", "entropy", "natural selection", "monetary policy",
            "the placebo effect", "the greenhouse effect", "game theory", "overfitting in machine learning",
            "the Silk Road", "how vaccines work", "the Cold War", "mitochondria", "special relativity",
            "the Fourier transform", "index funds", "the Roman Republic", "protein folding",
            "neural networks", "the bystander effect", "circadian rhythms", "tariffs", "the stock market",
            "how airplanes fly", "the Renaissance", "the Big Bang", "antibiotic resistance",
            "ocean currents", "the printing press", "dark matter", "TCP congestion control",
            "eventual consistency", "the central limit theorem", "DNS", "carbon capture",
            "the Industrial Revolution", "cognitive dissonance", "sourdough fermentation"]
CITIES = ["Lisbon", "Kyoto", "Mexico City", "Vancouver", "Istanbul", "Marrakech", "Seoul", "Buenos Aires",
          "Prague", "Cape Town", "Hanoi", "Reykjavik", "Chicago", "Barcelona", "Singapore", "Edinburgh",
          "Bangalore", "Nairobi", "Melbourne", "Copenhagen", "Oaxaca", "Tbilisi", "Montreal", "Porto"]
FOODS = ["chickpeas", "leftover rice", "salmon", "tofu", "lentils", "chicken thighs", "zucchini",
         "sweet potatoes", "eggs and spinach", "ground beef", "mushrooms", "black beans", "cauliflower",
         "a pork shoulder", "frozen shrimp", "quinoa", "halloumi", "butternut squash"]
JOBS = ["product manager", "nurse", "data analyst", "high-school teacher", "UX designer", "accountant",
        "software engineer", "sales lead", "pharmacist", "project coordinator", "marketing manager",
        "civil engineer", "paralegal", "HR generalist", "barista", "research scientist", "electrician"]
FIRST_NAMES = ["Maria", "James", "Aiko", "Omar", "Priya", "Lukas", "Chen", "Sofia", "Daniel", "Amara",
               "Mateo", "Olivia", "Ravi", "Hannah", "Kwame", "Elena", "Noah", "Yuki", "Fatima", "Liam",
               "Ines", "Tomasz", "Grace", "Arjun", "Zoe", "Sven", "Leila", "Marco", "Nadia", "Ethan"]
COMPANIES = ["Northwind", "Bluepeak", "Lumenary", "Corvid Labs", "Harbor & Finch", "Quillstone",
             "Brightwater", "Tessellate", "Oakridge Health", "Mosaic Freight", "Polaris Retail", "Verdant",
             "Kitefin", "Ironbark", "Sundial Travel", "Atlas Dental", "Copperleaf", "Nimbus Energy"]
PRODUCTS = ["wireless earbuds", "a standing desk", "a robot vacuum", "running shoes", "an espresso machine",
            "a mechanical keyboard", "a 4K monitor", "a cast-iron skillet", "a baby stroller", "a road bike",
            "noise-cancelling headphones", "a smart thermostat", "a carry-on suitcase", "an e-reader",
            "an air fryer", "a mattress", "a DSLR camera", "a gaming chair", "a water filter pitcher"]
TONES = ["friendly", "formal", "concise", "persuasive", "playful", "empathetic", "neutral", "confident"]
AUDIENCES = ["new customers", "my manager", "a hiring committee", "high-school students", "investors",
             "our engineering team", "first-time home buyers", "small business owners", "my landlord",
             "parents at our school", "conference attendees", "beginners"]
DOC_KINDS = ["cover letter", "blog post", "product description", "LinkedIn post", "newsletter intro",
             "wedding toast", "apology email", "job description", "press release", "short story", "speech",
             "landing page copy", "grant summary", "README", "meeting agenda", "poem"]
HOBBIES = ["bouldering", "sourdough baking", "birdwatching", "learning the cello", "marathon training",
           "woodworking", "chess", "urban gardening", "film photography", "learning Japanese",
           "home brewing", "pottery", "trail running", "knitting", "3D printing", "salsa dancing"]
TICKET_ISSUES = ["I was charged twice for the same order",
                 "the password reset link expires before I can use it",
                 "the package is marked delivered but never arrived",
                 "the app crashes when I upload a photo", "I want to downgrade my plan before it renews",
                 "my discount code was not applied at checkout", "I received the wrong size",
                 "the invoice still shows our old company address",
                 "two-factor codes arrive several minutes late", "the CSV export is missing the last column",
                 "I cancelled my subscription but was billed again", "I can't connect my bank account",
                 "the item arrived damaged", "I'd like a refund even though it's been 35 days",
                 "my account got locked after too many login attempts",
                 "sync stopped after the latest update"]
POST_SUBJECTS = ["the new update", "my neighbour", "this referee", "the 42 bus", "our landlord", "the mayor",
                 "this app", "my phone", "the game last night", "the new cafe on 5th", "my group chat",
                 "the season finale", "the school board", "this heatwave", "my cat", "the airline",
                 "the concert", "the traffic on the bridge", "that influencer", "the quarterly results",
                 "the new stadium", "my internet provider", "the library hours", "the recipe I tried",
                 "the city council vote"]
POST_PREDICATES = ["is a total joke", "keeps crashing", "made my day", "should be banned",
                   "is the best thing ever", "was late again", "charged me twice", "is overrated",
                   "finally got fixed", "is so loud tonight", "ruined the weekend", "deserves more credit",
                   "is hiring, apparently", "went viral for no reason", "needs a refund policy",
                   "was cancelled again", "is way better than last year", "broke my heart",
                   "changed the rules without telling anyone", "is giving away free tickets"]
POST_TAILS = ["", "", "", " 😂", "!!!", " #fail", " smh", " anyone else?", " lol", " 🙄", " can't wait",
              " ugh", " (thread)", " — source: trust me", " 10/10", " not even kidding"]
SPAM = ["Earn ${n} a day from home, message me", "FREE crypto giveaway, send 0.{n} to get double back",
        "Selling {n}k followers cheap, DM now", "Click bit.ly/{code} to claim your prize",
        "Hot singles near you, visit {code}.xyz", "Buy cheap meds no prescription {code}.shop"]
INSULTS = ["pathetic", "a clown", "useless", "an idiot", "a disgrace", "brain-dead", "a joke"]
REVIEW_ASPECTS = ["The battery", "Build quality", "Customer service", "Delivery", "The sound", "The fit",
                  "Setup", "The app", "Value for money", "The screen", "Noise level", "The instructions"]
REVIEW_QUALITIES = ["is excellent", "is disappointing", "could be better", "exceeded my expectations",
                    "is fine for the price", "stopped working after a week", "is surprisingly good",
                    "was a nightmare", "is just ok", "feels premium", "is terrible"]
LANGUAGES = ["German", "French", "Spanish", "Japanese", "Portuguese (Brazil)", "Italian", "Korean",
             "Chinese (Simplified)", "Dutch", "Polish", "Turkish", "Arabic", "Hindi", "Vietnamese",
             "Indonesian", "Swedish"]
UI_STRINGS = ["Your order has shipped and will arrive in {n} business days.",
              "Save changes before leaving this page?",
              "We couldn't process your payment. Try another card.", "You have {n} unread messages.",
              "Password must contain at least {n} characters.", "Free returns within {n} days of delivery.",
              "Tap and hold to record a voice note.",
              "Your trial ends in {n} days. Upgrade to keep your projects.",
              "This link has expired. Request a new one from the sign-in page.",
              "Add at least one payment method to continue.",
              "Invite teammates to collaborate in real time.",
              "The file is larger than {n} MB and cannot be uploaded.",
              "Delivery is not available to this address.", "Settings were synced across your devices."]
RAG_DOMAINS = {
    "hr": (
        ["parental leave", "remote work stipend", "PTO carry-over", "expense reimbursement",
         "relocation support", "401(k) matching", "sick leave", "travel booking"],
        ["How many days of {x} do employees get?", "Who approves {x} requests?",
         "Does {x} apply to contractors?", "What is the deadline for {x} claims?"],
    ),
    "product": (
        ["SSO setup", "webhook retries", "API rate limits", "data retention", "audit logs", "custom domains",
         "billing seats", "CSV import"],
        ["How do I configure {x}?", "Is {x} available on the starter plan?",
         "Why is {x} failing for my workspace?", "What are the limits for {x}?"],
    ),
    "legal": (
        ["termination for convenience", "limitation of liability", "data processing addendum",
         "auto-renewal", "indemnification", "governing law", "confidentiality term"],
        ["What does the contract say about {x}?", "Summarise our obligations under {x}.",
         "Is there a notice period for {x}?"],
    ),
    "medical": (
        ["dosage for children", "drug interactions", "storage temperature", "side effects", "missed dose",
         "use during pregnancy"],
        ["What does the leaflet say about {x}?", "Is there guidance on {x}?"],
    ),
    "finance": (
        ["revenue recognition", "segment margins", "capital expenditure", "share buybacks",
         "foreign exchange exposure", "debt covenants"],
        ["What did the annual report say about {x}?", "How did {x} change year over year?"],
    ),
}
STEM_SUBJECTS = ["algebra", "geometry", "probability", "statistics", "calculus", "linear algebra",
                 "number theory", "combinatorics", "physics", "chemistry", "biology", "economics",
                 "computer science", "astronomy", "genetics", "thermodynamics", "electrical circuits",
                 "organic chemistry", "microeconomics", "macroeconomics", "ecology", "optics"]
LEVELS = ["elementary school", "middle school", "high school", "first-year undergraduate", "graduate",
          "professional", "expert"]
FORMS = ["a step-by-step explanation", "a worked example", "a multiple-choice quiz with answers",
         "a Socratic dialogue", "an analogy-driven explanation", "a list of common misconceptions",
         "a one-page summary", "practice problems with full solutions"]
ALGORITHMS = ["an LRU cache", "Dijkstra's shortest path", "a trie with prefix search", "a rate limiter",
              "a consistent-hashing ring", "merge intervals", "topological sort", "a bloom filter",
              "a min-heap", "union-find with path compression", "the KMP string search", "a skip list",
              "an interval tree", "a token-bucket throttle", "A* search on a grid", "a ring buffer",
              "a B-tree insert", "reservoir sampling", "a JSON tokenizer", "an expression parser",
              "a thread pool", "a write-ahead log", "Raft leader election", "a sparse matrix multiply",
              "a diff of two text files"]
CONSTRAINTS = ["in O(n log n) time", "without recursion", "with full unit tests", "thread-safe",
               "with type hints and docstrings", "using only the standard library", "with O(1) memory",
               "handling all edge cases", "that streams input", "with property-based tests",
               "optimised for cache locality", "with clear error handling"]
TOOLS = ["bash", "read_file", "write_file", "search_code", "run_tests", "web_search", "python", "sql_query",
         "http_get", "git", "list_directory", "edit_file", "browser_click", "screenshot"]
