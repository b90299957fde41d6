"""The demo desk's facts: outlets, articles, claimants, sources and claims about the seed articles.

Nothing here is invented. Each value comes from the seed texts themselves or
from public copies of the stories found while preparing this file (named in
the comments); a value that could not be confirmed is left empty (None) rather
than guessed, and the comment says so.

Dates given as "YYYY-MM-DD" carry no time of day and are stored at 12:00 UTC
(see tracker.importing.DATE_ONLY_TIME), so the calendar date reads the same
wherever the desk is.

Verdicts are limited to what the cited sources establish. Demo users and their
passwords are in DEMO_USERS at the end.
"""

SEEDS_DIR = "seeds"

OUTLETS = {
    "ap": {"name": "The Associated Press", "domain": "apnews.com", "country": "US", "language": "en"},
    "inosmi": {"name": "InoSMI", "domain": "inosmi.ru", "country": "RU", "language": "ru"},
    "rt": {"name": "RT", "domain": "rt.com", "country": "RU", "language": "en"},
    "wp": {"name": "The Washington Post", "domain": "washingtonpost.com", "country": "US", "language": "en"},
}

# Articles are created in this order, so a link names an article above it.
ARTICLES = {
    # The Washington Post original that InoSMI republished in translation. The
    # desk does not hold its text, so it is stored by its metadata only (an
    # empty body is allowed for exactly this). Byline and date from the
    # syndicated copy in The Spokesman-Review ("By Isobel Koshiw, Siobhán
    # O'Grady and Ellen Francis, Washington Post", dated 2025-05-26; Newsmax and
    # MENAFN also cite the Post's report of Monday 26 May 2025). The original
    # headline and washingtonpost.com address could not be confirmed (the
    # syndicated copy's address begins "slammed-by-russian-missiles-ukraine-
    # seeks-more-us-"), so the title says what the article is and the URL is empty.
    "wp": {
        "seed": None,
        "title": "The Washington Post original of InoSMI's translation (its text and headline are not held)",
        # What earlier versions of the demo called it, so a desk loaded by them is not given a second copy.
        "former_titles": ["Ukraine seeks more U.S.-made Patriot air defense systems [original headline not recorded]"],
        "outlet": "wp",
        "url": None,
        "authors": ["Isobel Koshiw", "Siobhán O'Grady", "Ellen Francis"],
        "published_at": "2025-05-26",
        "language": "en",
    },
    # InoSMI's republication, in Russian translation, of the Post story above,
    # with an inserted editorial note ("– Approx. InoSMI"). The seed is an
    # English rendering of InoSMI's piece, so its body is English: language
    # "en". Authors as InoSMI credits them (the seed's third line). InoSMI's
    # address and publication date could not be confirmed: left empty.
    "inosmi": {
        "seed": "000_4af4b81d9df2bd9c.txt",
        "outlet": "inosmi",
        "url": None,
        "authors": ["Isobel Koshiw", "Siobhan O'Grady", "Ellen Francis"],
        "published_at": None,
        "language": "en",
        "translation_of": "wp",
        "republished_from": "wp",
    },
    # AP wire story. Datelined BRUSSELS, "NATO announced Wednesday", the photo
    # caption is dated Wednesday, Jan. 3, 2024, and syndicated copies (News4JAX,
    # CityNews Toronto, Iola Register) are dated 3 January 2024. Those copies
    # credit "The Associated Press" with no personal byline, so no author is
    # recorded. The apnews.com address could not be confirmed: left empty.
    "ap": {
        "seed": "002_21ee030439fe577d.txt",
        "outlet": "ap",
        "url": None,
        "authors": [],
        "published_at": "2024-01-03",
        "language": "en",
    },
    # RT's page shows "3 Oct, 2024 16:34 / Updated 1 month ago" without a time
    # zone, so only the date is kept. The address is the one RT's story was
    # found under, without the "/amp" suffix of its AMP rendering. No byline.
    "rt": {
        "seed": "004_7647a5480b8ca3d9.txt",
        "outlet": "rt",
        "url": "https://rt.com/russia/605189-west-russian-missiles-ukraine-zelensky/",
        "authors": [],
        "published_at": "2024-10-03",
        "language": "en",
    },
}

CLAIMANTS = {
    "nato": {
        "name": "NATO",
        "kind": "organisation",
        "description": "North Atlantic Treaty Organization, through its Support and Procurement Agency (NSPA)",
    },
    "ap": {"name": "The Associated Press", "kind": "organisation", "description": "US news agency"},
    "rubio": {"name": "Marco Rubio", "kind": "person", "description": "US Secretary of State"},
    "hur": {
        "name": "Ukraine's military intelligence (HUR)",
        "kind": "organisation",
        "description": "Main Directorate of Intelligence of Ukraine's Ministry of Defence",
    },
    "zelensky": {"name": "Volodymyr Zelensky", "kind": "person", "description": "President of Ukraine"},
    "rutte": {"name": "Mark Rutte", "kind": "person", "description": "NATO Secretary General (from 1 October 2024)"},
    "rt": {"name": "RT", "kind": "organisation", "description": "Russian state-funded broadcaster"},
}

# Every address below was confirmed to carry the named story; publishers and
# dates as the pages give them (None where a page shows no date).
SOURCES = {
    "reuters_gem_t": {
        "url": "https://www.devdiscourse.com/article/headlines/2764703-european-nato-members-strike-deal-to-buy-up-to-1000-patriot-missiles",
        "title": "European NATO members strike deal to buy up to 1,000 Patriot missiles",
        "publisher": "Reuters (via Devdiscourse)",
        "kind": "news_report",
        "published_at": "2024-01-03",
    },
    "natowatch_gem_t": {
        "url": "https://natowatch.org/newsbriefs/2024/nato-coalition-member-states-buy-1000-patriot-missiles",
        "title": "NATO coalition of member states to buy up to 1,000 Patriot missiles",
        "publisher": "NATO Watch",
        "kind": "news_report",
        "published_at": "2024-01-05",
    },
    "menafn_gem_t": {
        "url": "https://menafn.com/1107683247/NATO-intends-to-assist-members-purchase-Patriot-missiles",
        "title": "NATO intends to assist members purchase Patriot missiles",
        "publisher": "MENAFN",
        "kind": "news_report",
        "published_at": "2024-01-04",
    },
    "ctv_barrage": {
        "url": "https://www.ctvnews.ca/world/russia-fires-122-missiles-and-36-drones-in-what-ukraine-calls-the-biggest-aerial-barrage-of-the-war-1.6704235",
        "title": "Russia fires 122 missiles and 36 drones in what Ukraine calls the biggest aerial barrage of the war",
        "publisher": "CTV News (The Associated Press)",
        "kind": "news_report",
        "published_at": "2023-12-29",
    },
    "newsmax_rubio": {
        "url": "https://www.newsmax.com/newsfront/ukraine-russia-missiles/2025/05/26/id/1212383/",
        "title": "Ukraine Looks to Bolster Defense Against Missiles",
        "publisher": "Newsmax",
        "kind": "news_report",
        "published_at": "2025-05-26",
    },
    "dw_rutte_kyiv": {
        "url": "https://www.dw.com/en/nato-chief-mark-rutte-visits-kyiv/a-70395564",
        "title": "NATO chief Mark Rutte visits Kyiv",
        "publisher": "Deutsche Welle",
        "kind": "news_report",
        "published_at": "2024-10-03",
    },
    "kyivindependent_rutte": {
        "url": "https://kyivindependent.com/new-nato-secretary-general-stoltenberg-rutte-arrives-in-kyiv-on-unannounced-visit/",
        "title": "New NATO Secretary General Rutte arrives in Kyiv on unannounced visit",
        "publisher": "The Kyiv Independent",
        "kind": "news_report",
        "published_at": "2024-10-03",
    },
    "liga_rutte": {
        "url": "https://news.liga.net/en/amp/politics/news/newly-appointed-nato-chief-rutte-arrives-in-kyiv",
        "title": "Newly appointed NATO chief Rutte arrives in Kyiv",
        "publisher": "LIGA.net",
        "kind": "news_report",
        "published_at": None,
    },
}

# Each claim's steps run in order through tracker.claims and
# tracker.workflow.transition, as the desk would do them: the reporter logs,
# the editor researches, adds evidence, writes the verdict and sends to review,
# the reviewer publishes. Together they leave claims in every status.
CLAIMS = [
    {
        # Published, then reopened and republished with a correction.
        "text": "NATO announced on 3 January 2024 that it would help allies buy up to 1,000 Patriot missiles.",
        "claimant": "nato",
        "claim_date": "2024-01-03",
        "priority": "high",
        "tags": ["Patriot", "NATO", "air defence"],
        "appearances": [
            {
                "article": "ap",
                "quote": "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles",
                "attribution": "NATO announced Wednesday",
            }
        ],
        "steps": [
            ("transition", {"to": "researching"}),
            (
                "evidence",
                {
                    "source": "reuters_gem_t",
                    "stance": "supports",
                    "excerpt": "NATO on Wednesday said its procurement arm would support a group of member countries, "
                    "including Germany, the Netherlands, Romania and Spain, with a contract to buy up to 1,000 "
                    "Patriot air defence missiles.",
                },
            ),
            (
                "evidence",
                {
                    "source": "natowatch_gem_t",
                    "stance": "supports",
                    "excerpt": "NATO on 3 January announced that its procurement arm would support a group of "
                    "member countries, including Germany, the Netherlands, Romania and Spain, with a contract to "
                    "buy up to 1,000 Patriot air defence missiles.",
                },
            ),
            (
                "verdict",
                {
                    "rating": "true",
                    "verdict_summary": "True. On 3 January 2024 NATO's Support and Procurement Agency announced a "
                    "contract for up to 1,000 Patriot missiles for a group of allies including Germany, the "
                    "Netherlands, Romania and Spain.",
                    "verdict_explanation": "NATO said its procurement agency awarded the production and delivery "
                    "contract to COMLOG, a joint venture of Raytheon and MBDA, and that European production of "
                    "the missiles (GEM-T) would be expanded. The allies buy the missiles; NATO's agency runs the "
                    "joint purchase, which is what the AP's “help buy” says.",
                },
            ),
            ("transition", {"to": "in_review"}),
            ("transition", {"to": "published"}),
            (
                "transition",
                {"to": "researching", "note": "Reopened to say that 1,000 is the ceiling of the contract's options."},
            ),
            (
                "evidence",
                {
                    "source": "menafn_gem_t",
                    "stance": "context",
                    "excerpt": "MBDA, in a statement, emphasized the broader implications of the deal, stating "
                    "that the order, if all options are exercised by coalition members, will encompass a total of "
                    "1,000 missiles.",
                },
            ),
            (
                "verdict",
                {
                    "verdict_explanation": "NATO said its procurement agency awarded the production and delivery "
                    "contract to COMLOG, a joint venture of Raytheon and MBDA, and that European production of "
                    "the missiles (GEM-T) would be expanded. The allies buy the missiles; NATO's agency runs the "
                    "joint purchase, which is what the AP's “help buy” says. The figure of 1,000 is a ceiling: "
                    "MBDA said the order reaches 1,000 missiles only if the coalition exercises all of its "
                    "options.",
                },
            ),
            ("transition", {"to": "in_review"}),
            (
                "transition",
                {
                    "to": "published",
                    "note": "Added that 1,000 missiles is the maximum, reached only if every option of the "
                    "contract is exercised. The rating is unchanged.",
                },
            ),
        ],
    },
    {
        # Published.
        "text": "Mark Rutte visited Kyiv two days after taking office as NATO Secretary General.",
        "claimant": "rt",
        "claim_date": "2024-10-03",
        "tags": ["NATO"],
        "appearances": [
            {
                "article": "rt",
                "quote": "who hastened to Kiev just two days after taking over the US-led military bloc's top job",
                "attribution": "RT reported",
            }
        ],
        "steps": [
            ("transition", {"to": "researching"}),
            (
                "evidence",
                {
                    "source": "liga_rutte",
                    "stance": "supports",
                    "excerpt": "On October 1, former Dutch Prime Minister Mark Rutte officially took over as NATO "
                    "Secretary General.",
                },
            ),
            (
                "evidence",
                {
                    "source": "kyivindependent_rutte",
                    "stance": "supports",
                    "excerpt": "Newly appointed NATO Secretary General Mark Rutte arrived in Kyiv on Oct. 3 for a "
                    "surprise visit.",
                },
            ),
            (
                "verdict",
                {
                    "rating": "true",
                    "verdict_summary": "True. Rutte took office on 1 October 2024 and was in Kyiv on 3 October, "
                    "his first official trip in the post.",
                    "verdict_explanation": "Rutte succeeded Jens Stoltenberg as NATO Secretary General on "
                    "1 October 2024 and met President Zelensky in Kyiv on Thursday, 3 October 2024.",
                },
            ),
            ("transition", {"to": "in_review"}),
            ("transition", {"to": "published"}),
        ],
    },
    {
        # In review: the verdict is written and waits for a second person.
        "text": "Russia's air attack on Ukraine of Friday 29 December 2023 was its largest of the war so far.",
        "claimant": "ap",
        "claim_date": "2024-01-03",
        "tags": ["air defence"],
        "appearances": [
            {
                "article": "ap",
                "quote": "Russia's latest round of attacks began Friday with its largest single assault on Ukraine "
                "of the conflict",
                "attribution": "the AP reported",
            }
        ],
        "steps": [
            ("transition", {"to": "researching"}),
            (
                "evidence",
                {
                    "source": "ctv_barrage",
                    "stance": "supports",
                    "excerpt": "Air Force commander Mykola Oleshchuk wrote on his official Telegram channel that it "
                    "was “the most massive aerial attack” since Russia’s full-scale invasion in February 2022. "
                    "According to the Ukrainian air force, the previous biggest assault was in November 2022 when "
                    "Russia launched 96 missiles against Ukraine.",
                },
            ),
            (
                "verdict",
                {
                    "rating": "true",
                    "verdict_summary": "True at the time: Ukraine's air force counted 122 missiles and 36 drones, "
                    "its largest aerial attack since the full-scale invasion; the record before was 96 missiles "
                    "in November 2022.",
                },
            ),
            ("assign", {"to": "editor"}),
            ("transition", {"to": "in_review"}),
        ],
    },
    {
        # Researching: the words are confirmed, the fact behind them is not yet.
        "text": "The United States has no Patriot missiles and launchers to spare for Ukraine.",
        "claimant": "rubio",
        "claim_date": "2025-05-20",
        "priority": "high",
        "tags": ["Patriot", "air defence"],
        "appearances": [
            {
                "article": "inosmi",
                "quote": "which, frankly, we don't have",
                "attribution": "Secretary of State Marco Rubio said at a hearing before the Senate Foreign "
                "Relations Committee on Tuesday",
            }
        ],
        "steps": [
            ("transition", {"to": "researching"}),
            ("assign", {"to": "editor"}),
            (
                "evidence",
                {
                    "source": "newsmax_rubio",
                    "stance": "context",
                    "excerpt": "Secretary of State Marco Rubio told Senators during a Foreign Relations Committee "
                    'hearing on Tuesday that Patriot missiles are scarce, "which, frankly, we don\'t have."',
                    "note": "Confirms the words and the hearing (20 May 2025), not the stock levels behind them.",
                },
            ),
        ],
    },
    {
        # Researching.
        "text": "Ukraine's Western partners are not yet ready to shoot down Russian missiles and drones over Ukraine.",
        "claimant": "zelensky",
        "claim_date": "2024-10-03",
        "tags": ["air defence", "NATO"],
        "appearances": [
            {
                "article": "rt",
                "quote": "they are not ready yet",
                "attribution": "Zelensky told reporters, noting that",
            }
        ],
        "steps": [
            ("transition", {"to": "researching"}),
            (
                "evidence",
                {
                    "source": "dw_rutte_kyiv",
                    "stance": "context",
                    "excerpt": "Zelenskyy said his government was keen to convince its Western backers to shoot "
                    "down Russian missiles and drones fired against Ukraine.",
                },
            ),
        ],
    },
    {
        # New: logged, not yet picked up.
        "text": "North Korea has supplied Russia with about 250 ballistic missiles since the autumn of 2024.",
        "claimant": "hur",
        "tags": ["North Korea"],
        "appearances": [
            {
                "article": "inosmi",
                "quote": "North Korea has supplied about 250 ballistic missiles to the Kremlin since last fall",
                "attribution": "According to Ukraine's military intelligence",
            }
        ],
        "steps": [],
    },
    {
        # New, with two appearances of the same claim: InoSMI's lead says it,
        # and Rubio's words further down.
        "text": "None of the NATO allies that have Patriot systems wants to give them up for Ukraine.",
        "claimant": "rubio",
        "claim_date": "2025-05-20",
        "tags": ["Patriot", "NATO"],
        "appearances": [
            {
                "article": "inosmi",
                "quote": "Other NATO countries are also unwilling to transfer missiles and installations from their "
                "stocks to the Ukrainian Armed Forces",
                "attribution": "WP writes",
            },
            {
                "article": "inosmi",
                "quote": "none of these countries wants to give up their Patriot systems",
                "attribution": "He added that",
            },
        ],
        "steps": [],
    },
    {
        # Dismissed: a prediction has no factual content to check.
        "text": "Ukraine will one day be a full member of NATO.",
        "claimant": "rutte",
        "claim_date": "2024-10-03",
        "tags": ["NATO"],
        "appearances": [
            {
                "article": "rt",
                "quote": "the day will come that Ukraine is a full member of NATO",
                "attribution": "He also said that",
            }
        ],
        "steps": [
            (
                "transition",
                {
                    "to": "dismissed",
                    "note": "A prediction (“the day will come”), not a statement of fact that can be checked now.",
                },
            ),
        ],
    },
]

# Demo logins, for a local desk only: `load_demo --users` creates them and
# prints them. Each is marked by its email address so that a real account
# with the same username is never taken over.
DEMO_EMAIL_DOMAIN = "demo.factdesk.invalid"
DEMO_USERS = [
    {
        "username": "reporter",
        "password": "demo-reporter-pass",
        "group": "reporter",
        "role": "reporter: imports articles, logs claims, adds sources and evidence",
    },
    {
        "username": "editor",
        "password": "demo-editor-pass",
        "group": "editor",
        "role": "editor: edits claims and verdicts, researches, sends to review, dismisses",
    },
    {
        "username": "reviewer",
        "password": "demo-reviewer-pass",
        "group": "reviewer",
        "role": "reviewer: publishes or sends back claims someone else sent to review",
    },
    {
        "username": "admin",
        "password": "demo-admin-pass",
        "group": None,
        "role": "admin (superuser): everything, plus the rating scale and users in /admin/",
    },
]
