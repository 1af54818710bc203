"""Independent held-out traffic generator: LLM API request events with labelled extraction campaigns.

Written from public descriptions of real distillation / model-extraction campaigns and of ordinary
LLM API usage, without reference to this project's detector or its own simulator, so that it can
serve as held-out evaluation data. Standard library, numpy and orjson only.

Use
    python -m streams.independent --seed N [--start EPOCH|RFC3339] [--duration 24h|2d|90m|SECONDS]
                                  [--scale X] --output events.jsonl [--labels labels.csv]

    from streams.independent import generate
    events, labels = generate(seed, start, duration, scale=1.0)

events: dicts in event schema v1, sorted by (ts, event_id); labels: (client_id, label, scenario,
kind) per account, written as CSV with exactly those columns (label is extraction or benign). The
same (seed, start, duration, scale) always gives byte-identical output.

Modules: seeding (derived random streams), timing (window, daily curves, arrivals), network
(ASNs, address pools, user agents), catalog (models, release, overloads, latency), accounts (an
account and its calls), traffic (stream / conversation / agent / worker-pool patterns), emit
(status codes, retries, event records), vocab + text_* (prompt text), benign and extraction
(scenarios), population (who is in the world), generator (build, sort, write).

Scenarios (accounts at --scale 1; label kind in brackets)
  Extraction, 63 accounts:
    bulk_agentic_coding 2, bulk_reasoning_traces 1, bulk_selfinstruct_multilingual 1 [bulk]
    low_slow_single_key 3, low_slow_multi_key 2 [low_and_slow]
    swarm_hydra_cloud 24 (one cloud's ranges, mostly pre-existing accounts),
    swarm_proxy_reseller 12 (rotating residential proxies, batch-registered accounts, blended
    with unrelated customers' traffic) [swarm]
    burst_rate_limited 3 [burst]; sweep_topic_grid 3 [sweep]
    leech_classification, leech_translation, leech_json_extraction, leech_code_review,
    leech_rubric_grading, 1 each [leeching]
    mimicry_office_hours 3 [mimicry]; siphon_side_stream 3 [siphon]; param_probe 1 [other_attack]
  Benign, 196 accounts [benign]:
    chat_individual 34, coding_agent 26, sdk_customer 24, trial_hobbyist 19, rag_app 14,
    batch_etl 10, ci_bot 8, support_agent_tools 8, eval_harness 6, enterprise_multi_key 6,
    consumer_app 6, moderation_classifier 6, document_json_extraction 6, translation_service 5,
    synthetic_data_team 5, writing_app 5, aggregator_gateway 4, research_lab_night_eval 4

Public sources the scenarios follow
  - Anthropic, "Detecting and preventing distillation attacks", 23 Feb 2026,
    https://www.anthropic.com/news/detecting-and-preventing-distillation-attacks (read through
    coverage: techinformed.com, aiproductivity.ai, setupai.cc, yourstory.com, digitalapplied.com and
    the Hacker News thread quoting its example prompt): ~24,000 fraudulent accounts, >16M
    exchanges; highly repetitive prompts for step-by-step reasoning, agentic coding and tool use,
    rubric grading and censorship-safe rewrites; "hydra cluster" proxy networks (one managing
    >20,000 accounts) mixing distillation with unrelated customers' traffic; synchronised traffic;
    half of one campaign's traffic moved to a new model within 24 hours.
  - Google Threat Intelligence Group, AI threat tracker, Feb 2026 (via Ars Technica and
    nlcyber.com, nextfin.ai): one campaign of >100,000 prompts, many non-English, coercing
    reasoning traces.
  - OpenAI memo to the House Select Committee on the CCP, 12 Feb 2026 (via Reuters coverage on
    techdigest.ng, varindia.com, udit.co): obfuscated third-party routers, programmatic access.
  - Carlini et al., "Stealing Part of a Production Language Model", arXiv:2403.06634, and
    Finlayson et al., "Logits of API-Protected LLMs Leak Proprietary Information",
    arXiv:2403.09539 (one-token probing: param_probe).
  - Li, Ding, Zhao, "Model extraction attacks and defenses for LLMs" (KDD 2025 tutorial/survey,
    labrai.github.io/KDD2025_Tutorial): functionality extraction by API distillation.
  - Stanford Alpaca: 52K self-instruct demonstrations from text-davinci-003 for under $500
    (LLM-written varied questions with no visible template).
  - a16z / OpenRouter, "State of AI: An Empirical 100 Trillion Token Study with OpenRouter",
    Dec 2025, https://a16z.com/state-of-ai/: roleplay and programming lead gateway traffic,
    agentic inference, prompt length up 4x, programming prompts often >20K tokens.
  - Anthropic Economic Index reports (2025-2026): API traffic is coding-heavy and more automated.
  - Claude API error semantics (learn.microsoft.com dev-proxy "Anthropic 529 overloaded_error",
    docs.llmgateway.io, developersdigest.tech): 429 with retry-after per organisation, 529 for
    platform-wide overload, SDKs retry twice by default with exponential backoff.
  - "The Agent Loop: How Claude Code Actually Works" (articles.gg) and tool-use loop write-ups:
    tens of API calls per agent task, stop_reason tool_use between steps.
  - EleutherAI lm-evaluation-harness and NVIDIA aiperf accuracy-benchmark docs: fixed public suites
    (MMLU, GSM8K, HumanEval, IFEval) at temperature 0 with a pool of concurrent workers.
  - Cloudflare, "Using machine learning to detect bot attacks that leverage residential proxies",
    and the BADPASS paper (residential IP proxy services) for proxy rotation.
  - shared/notes/detection-research.md, sections "What operators reported (2026)" and
    "Hard negatives" only.
"""

from .generator import generate

__all__ = ["generate"]
