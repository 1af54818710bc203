"""Where requests come from: networks (ASN and address prefixes), address pools and user agents.

The ASNs and /16 prefixes are real public allocations of the named operators, so an IP and its ASN
agree the way they do in enriched production logs. Addresses inside a prefix are random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# name: (asn, IPv4 /16 prefixes, IPv6 /32 prefixes or empty): clouds, hosting and VPN exits,
# corporate egress and secure web gateways, residential and mobile ISPs
NETWORKS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "aws": (16509, ("3.80", "3.91", "18.204", "34.192", "44.192", "52.14", "54.144"), ("2600:1f18",)),
    "aws_ap": (16509, ("13.212", "18.136", "52.77", "54.169", "54.254"), ("2406:da18",)),
    "gcp": (396982, ("34.66", "34.83", "34.105", "35.188", "35.224"), ("2600:1900",)),
    "azure": (8075, ("20.42", "20.98", "40.76", "52.152", "13.64"), ()),
    "digitalocean": (14061, ("104.131", "138.197", "159.89", "167.99", "206.189"), ()),
    "hetzner": (24940, ("5.9", "88.99", "95.216", "116.202", "135.181", "168.119"), ("2a01:4f8",)),
    "ovh": (16276, ("51.68", "51.75", "54.36", "137.74", "147.135"), ()),
    "linode": (63949, ("45.33", "45.79", "139.162", "172.104"), ()),
    "vultr": (20473, ("45.32", "45.63", "66.42", "108.61", "149.28"), ()),
    "oracle": (31898, ("129.146", "132.145", "150.136"), ()),
    "alibaba": (45102, ("8.209", "47.74", "47.88", "47.242", "161.117"), ()),
    "tencent": (132203, ("43.128", "43.153", "43.156", "101.32"), ()),
    "m247": (9009, ("37.120", "146.70", "89.238", "185.236"), ()),
    "datacamp": (60068, ("89.187", "143.244", "185.59"), ()),
    "zscaler": (62044, ("165.225", "136.226", "147.161"), ()),
    "lumen": (3356, ("4.14", "8.36", "63.88", "209.244"), ()),
    "comcast": (7922, ("24.4", "67.160", "73.15", "73.189", "98.207", "76.21"), ("2601:0",)),
    "att": (7018, ("99.10", "107.77", "12.145", "104.48"), ("2600:1700",)),
    "verizon": (701, ("71.105", "108.28", "173.48", "100.8"), ()),
    "charter": (20115, ("24.176", "47.145", "66.91", "75.85"), ()),
    "tmobile_us": (21928, ("172.56", "172.58"), ("2607:fb90",)),
    "dtag": (3320, ("79.192", "87.160", "91.64", "93.192", "217.80"), ("2003:e5",)),
    "bt": (2856, ("81.128", "86.128", "109.144"), ()),
    "orange_fr": (3215, ("2.4", "86.246", "90.24", "92.184"), ("2a01:cb00",)),
    "telefonica_es": (3352, ("79.144", "83.32", "88.0"), ()),
    "ntt": (4713, ("60.32", "61.114", "114.148"), ()),
    "kddi": (2516, ("106.128", "111.86", "182.248"), ()),
    "sk_broadband": (9318, ("1.224", "58.120", "175.192"), ()),
    "jio": (55836, ("49.36", "157.32", "157.48"), ("2409:4000",)),
    "airtel_in": (24560, ("106.192", "122.160", "182.64"), ()),
    "rogers": (812, ("99.224", "174.112"), ()),
    "telstra": (1221, ("1.120", "101.160", "110.140"), ()),
    "claro_br": (28573, ("177.32", "179.96", "187.64", "189.32", "191.176"), ()),
    "singtel": (7473, ("116.86", "220.255"), ()),
    "hkt": (4760, ("112.118", "203.198"), ()),
    "viettel": (7552, ("27.64", "171.224"), ()),
    "vodafone_de": (3209, ("88.64", "188.96"), ()),
}

RESIDENTIAL_BY_REGION: dict[str, tuple[str, ...]] = {
    "us": ("comcast", "att", "verizon", "charter", "tmobile_us"),
    "eu": ("dtag", "bt", "orange_fr", "telefonica_es", "vodafone_de"),
    "apac": ("ntt", "kddi", "sk_broadband", "singtel", "hkt", "telstra", "viettel"),
    "in": ("jio", "airtel_in"),
    "latam": ("claro_br",),
    "ca": ("rogers",),
}
CLOUDS = ("aws", "aws", "aws", "gcp", "gcp", "azure", "azure", "digitalocean", "hetzner", "ovh", "linode",
          "vultr", "oracle")


def region_for_tz(tz: float) -> str:
    """The residential region that fits a UTC offset (US at -8..-5, Europe at 0..+3, ...)."""
    if tz <= -6.5 or -5.5 < tz <= -4.5:
        return "us"
    if -4.5 < tz <= -2:
        return "latam"
    if -2 < tz <= 4:
        return "eu"
    if 4 < tz <= 6:
        return "in"
    if -6.5 < tz <= -5.5:
        return "ca"
    return "apac"


def address(rng: random.Random, network: str, v6_share: float = 0.0) -> tuple[str, int]:
    """One random (ip, asn) inside a network's prefixes."""
    asn, v4, v6 = NETWORKS[network]
    if v6 and rng.random() < v6_share:
        groups = ":".join(f"{rng.randrange(65536):x}" for _ in range(6))
        return f"{rng.choice(v6)}:{groups}", asn
    return f"{rng.choice(v4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}", asn


@dataclass
class IpPool:
    """Addresses one client sends from and how it moves between them.

    sticky: a few addresses with unequal weights (a home router, an office, a phone);
    rotate: a fresh pool member on every request (rotating proxies, serverless egress);
    session: the same member for `hold` seconds, then another (sticky proxy sessions).
    """

    members: list[tuple[str, int]]
    mode: str = "sticky"
    hold: float = 600.0
    offset: int = 0
    weights: list[float] | None = None

    def pick(self, rng: random.Random, ts: float) -> tuple[str, int]:
        if self.mode == "rotate":
            return rng.choice(self.members)
        if self.mode == "session":
            slot = int(ts // self.hold) + self.offset
            return self.members[slot * 7919 % len(self.members)]
        if self.weights is None:
            self.weights = [rng.paretovariate(1.2) for _ in self.members]
        return rng.choices(self.members, self.weights)[0]


def pool(
    rng: random.Random,
    networks: list[str] | tuple[str, ...],
    size: int,
    mode: str = "sticky",
    v6_share: float = 0.0,
    hold: float = 600.0,
) -> IpPool:
    members = [address(rng, rng.choice(networks), v6_share) for _ in range(size)]
    return IpPool(members, mode, hold)


def home_pool(rng: random.Random, tz: float, size: int = 2) -> IpPool:
    """A person's addresses: one or two home ISPs of their region, maybe a phone, IPv6 sometimes."""
    region = RESIDENTIAL_BY_REGION[region_for_tz(tz)]
    return pool(rng, region, size, v6_share=rng.choice([0.0, 0.0, 0.3, 0.7]))


def cloud_pool(rng: random.Random, size: int, cloud: str | None = None) -> IpPool:
    """A service's NAT gateway or instance addresses in one cloud."""
    return pool(rng, [cloud or rng.choice(CLOUDS)], size)


# User agents of the official and common HTTP clients, with version ranges seen in the wild.
def sdk_user_agent(rng: random.Random) -> str:
    family = rng.choices(
        ["anthropic-py", "anthropic-js", "openai-py", "openai-js", "httpx", "requests", "node", "go", "curl",
         "java", "langchain"],
        [30, 16, 14, 8, 6, 6, 5, 4, 3, 3, 5],
    )[0]
    minor = rng.randrange
    return {
        "anthropic-py": f"Anthropic/Python 0.{minor(40, 72)}.{minor(0, 4)}",
        "anthropic-js": f"Anthropic/JS 0.{minor(30, 66)}.{minor(0, 4)}",
        "openai-py": f"OpenAI/Python 1.{minor(40, 110)}.{minor(0, 5)}",
        "openai-js": f"OpenAI/JS 4.{minor(60, 104)}.{minor(0, 3)}",
        "httpx": f"python-httpx/0.{minor(25, 29)}.{minor(0, 3)}",
        "requests": f"python-requests/2.{minor(28, 33)}.{minor(0, 4)}",
        "node": f"node-fetch/1.0 (+https://github.com/bitinn/node-fetch) node/{minor(18, 23)}",
        "go": "Go-http-client/2.0",
        "curl": f"curl/8.{minor(1, 12)}.{minor(0, 2)}",
        "java": f"okhttp/4.{minor(9, 13)}.{minor(0, 3)}",
        "langchain": f"langchain-anthropic/0.{minor(2, 4)}.{minor(0, 9)} "
        f"Anthropic/Python 0.{minor(40, 72)}.0",
    }[family]


def cli_user_agent(rng: random.Random) -> str:
    """Terminal and IDE coding agents."""
    return rng.choice(
        [
            f"claude-cli/2.0.{rng.randrange(1, 60)} (external, cli)",
            f"claude-cli/1.0.{rng.randrange(40, 130)} (external, cli)",
            f"vscode-assistant/{rng.randrange(1, 4)}.{rng.randrange(0, 30)}.{rng.randrange(0, 9)}",
            f"aider/0.{rng.randrange(70, 90)}.{rng.randrange(0, 4)} litellm/1.{rng.randrange(50, 80)}.0",
            f"OpenCode/0.{rng.randrange(1, 16)}.{rng.randrange(0, 9)}",
        ]
    )
