#!/usr/bin/python3
"""Generate the synthetic sample data of smartmatch: SMEs of the CADSES area.

Usage:
  scripts/gen_sample.py [--data DIR] [--n 2000] [--seed S] [--out-dir examples/data]
                        [--prefix cadses] [--formats csv,json] [--no-truth]

The regions (NUTS 2021, with their label points) and sectors (NACE Rev. 2)
come from the library's built-in tables, read through the Python package in
bindings/python; it needs the built library (a meson build directory of this
checkout, or SMARTMATCH_LIBRARY naming libsmartmatch.so). The population
weights and development indices come from the derived files in DIR
(scripts/data by default: population.csv and development.csv, made by
scripts/gen_tables.py). --out-dir defaults to examples/data in the
repository. For prefix P the script writes:

  P_smes.csv            the SMEs (header + one row per SME, ordered by id)
  P_smes.json           the same SMEs as {"note": ..., "smes": [...]}
  P_development.csv     region,development,source (Eurostat figures)
  P_planted_pairs.csv   a,b,note: the planted complementary pairs (not with --no-truth)
  README.md             what the files are and how they were made

The SMEs are SYNTHETIC: every name, tag and number is drawn at random; only
the codes (NUTS 2021 regions, NACE Rev. 2 classes), the population weights
and the development indices come from reference data. The output is a pure
function of the options: the same --seed and --n give byte-identical files
(only random.Random.random() is used, with our own bisect-based weighted
choice). --no-truth only skips the
ground-truth file; the SMEs are the same with or without it.

How an SME is drawn
-------------------
Country: n is split among the 19 CADSES countries in proportion to population
(largest remainder), with a floor of min(15, n/38) SMEs per country. The
population of a NUTS-2 region is `region_population` of the latest year in
regional_stats/nuts2_2016_indicators_2007_2018.csv; NUTS 2021 codes without
data there (HR02, HR05, HR06, successors of HR04) share the population of the
2016 codes that no longer exist, evenly. DE is restricted to Bayern (DE2),
Berlin (DE3), Brandenburg (DE4), Sachsen (DED) and Thüringen (DEG), IT to
Lombardia (ITC4), the north-east (ITH), the centre (ITI) and the south (ITF).
BA, UA (western part only) and MD have no NUTS codes: region = the country
code, with hand-typed populations (POP_NO_NUTS).
Region: a NUTS 2021 level-3 region of the country; each NUTS-2 weight is split
evenly among its NUTS-3 children.
Sectors: a NACE Rev. 2 class drawn with the section/division weights of
DIVISION_WEIGHTS (uniform among the classes of a division), plus 0-2
secondary classes; ~5% of the rows spell the codes "C25.62" or "2562".
Offers, needs, cooperation: from the sector profiles (PROFILES, keyed by
NACE division or group) plus ~10% generic tags; every tag a profile needs is
offered by some profile (checked at start-up).
Planted pairs: about 2% of n (at most 200) pairs of SMEs in different,
preferably neighbouring countries less than 600 km apart; their sectors,
offers and needs are overwritten with a scenario of PLANTED so that a offers
exactly what b needs and the reverse, with compound tags no other SME uses;
both get `en` and a common cooperation type.
"""

import argparse
import bisect
import csv
import json
import math
import random
import sys
import textwrap
import time
from array import array
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CADSES = ["AL", "AT", "BA", "BG", "CZ", "DE", "EL", "HR", "HU", "IT",
          "MD", "ME", "MK", "PL", "RO", "RS", "SI", "SK", "UA"]
NO_NUTS = {"BA", "UA", "MD"}
# Rough populations of the countries without NUTS codes (UA: western part only).
POP_NO_NUTS = {"BA": 3.3e6, "UA": 8.0e6, "MD": 2.6e6}
# The historic CADSES area of Germany and Italy (NUTS 2021 prefixes).
SCOPE = {"DE": ("DE2", "DE3", "DE4", "DED", "DEG"), "IT": ("ITC4", "ITH", "ITI", "ITF")}
# Former planned economies: most private firms were founded after 1990.
POST_SOCIALIST = set(CADSES) - {"AT", "IT", "EL", "DE"}
POST_SOCIALIST_DE = ("DE4", "DED", "DEG")
NEIGHBOURS = {
    "AL": "EL IT ME MK", "AT": "CZ DE HU IT SI SK", "BA": "HR ME RS",
    "BG": "EL MK RO RS", "CZ": "AT DE PL SK", "DE": "AT CZ PL",
    "EL": "AL BG IT MK", "HR": "BA HU IT ME RS SI", "HU": "AT HR RO RS SI SK UA",
    "IT": "AL AT EL HR SI", "MD": "RO UA", "ME": "AL BA HR RS",
    "MK": "AL BG EL RS", "PL": "CZ DE SK UA", "RO": "BG HU MD RS UA",
    "RS": "BA BG HR HU ME MK RO", "SI": "AT HR HU IT", "SK": "AT CZ HU PL UA",
    "UA": "HU MD PL RO SK",
}
NEIGHBOURS = {c: set(v.split()) for c, v in NEIGHBOURS.items()}

# ---------------------------------------------------------------------------
# Sector mix: section -> (share in %, {division: relative weight})
# ---------------------------------------------------------------------------
DIVISION_WEIGHTS = {
    "G": (23.0, {"45": 3.5, "46": 8.5, "47": 11.0}),
    "M": (15.0, {"69": 4.0, "70": 3.5, "71": 3.5, "72": 0.8, "73": 1.5, "74": 1.3, "75": 0.4}),
    "F": (13.0, {"41": 3.5, "42": 1.2, "43": 8.3}),
    "C": (11.0, {"10": 1.6, "11": 0.4, "13": 0.3, "14": 0.6, "15": 0.15, "16": 0.7, "17": 0.15,
                 "18": 0.5, "20": 0.3, "21": 0.05, "22": 0.5, "23": 0.6, "24": 0.15, "25": 2.2,
                 "26": 0.35, "27": 0.35, "28": 0.8, "29": 0.15, "30": 0.1, "31": 0.6, "32": 0.6,
                 "33": 0.9}),
    "I": (8.0, {"55": 2.5, "56": 5.5}),
    "J": (5.0, {"58": 0.4, "59": 0.4, "60": 0.05, "61": 0.3, "62": 3.0, "63": 0.85}),
    "H": (5.0, {"49": 3.2, "50": 0.1, "51": 0.05, "52": 1.1, "53": 0.55}),
    "N": (5.0, {"77": 0.6, "78": 0.4, "79": 0.8, "80": 0.4, "81": 2.0, "82": 0.8}),
    "L": (4.0, {"68": 1.0}),
    "Q": (4.0, {"86": 3.0, "87": 0.3, "88": 0.7}),
    "A": (2.5, {"01": 2.0, "02": 0.35, "03": 0.15}),
    "S": (2.0, {"95": 0.5, "96": 1.5}),
    "R": (1.0, {"90": 0.5, "91": 0.1, "93": 0.4}),
    "P": (0.8, {"85": 1.0}),
    "E": (0.5, {"36": 0.05, "37": 0.05, "38": 0.35, "39": 0.05}),
    "D": (0.2, {"35": 1.0}),
}

# Size class probabilities (micro, small, medium, large) by section.
SIZE_NAMES = ("micro", "small", "medium", "large")
SIZE_PROBS = {"C": (0.64, 0.25, 0.085, 0.025), "D": (0.60, 0.25, 0.11, 0.04),
              "E": (0.55, 0.30, 0.12, 0.03), "H": (0.76, 0.17, 0.05, 0.02),
              "Q": (0.78, 0.15, 0.05, 0.02)}
SIZE_DEFAULT = (0.83, 0.135, 0.028, 0.007)

# ---------------------------------------------------------------------------
# Cooperation-type weights
# ---------------------------------------------------------------------------
COOP = {
    "manuf": {"subcontracting": 4, "supply": 4, "joint_venture": 1.5, "licensing": 1, "rnd": 1.5,
              "distribution": 1.5, "training": 0.3, "services": 0.5},
    "agrifood": {"supply": 4, "distribution": 4, "joint_venture": 1.5, "subcontracting": 1,
                 "licensing": 0.3, "rnd": 0.7, "training": 0.3, "services": 0.3},
    "trade": {"distribution": 5, "supply": 3, "joint_venture": 1.5, "services": 1, "licensing": 0.5,
              "subcontracting": 0.3, "training": 0.2},
    "construction": {"subcontracting": 5, "joint_venture": 3, "services": 2, "supply": 1, "training": 0.3},
    "transport": {"services": 4, "distribution": 3, "subcontracting": 2, "joint_venture": 1.5, "supply": 0.5},
    "tourism": {"services": 4, "joint_venture": 2, "distribution": 2, "training": 0.7, "supply": 0.7},
    "ict": {"services": 4, "rnd": 2.5, "licensing": 2, "joint_venture": 2, "subcontracting": 2,
            "training": 1, "distribution": 1},
    "prof": {"services": 5, "training": 2, "joint_venture": 1.5, "subcontracting": 1.5, "rnd": 1,
             "licensing": 0.3},
    "rnd": {"rnd": 5, "licensing": 3, "services": 2, "joint_venture": 1.5, "training": 1},
    "edu": {"training": 5, "services": 2, "joint_venture": 1.5, "rnd": 1},
    "health": {"services": 5, "training": 2, "joint_venture": 1.5, "supply": 0.5, "rnd": 0.5},
    "energy": {"supply": 3, "joint_venture": 3, "services": 2, "rnd": 1.5, "subcontracting": 1},
    "services": {"services": 5, "subcontracting": 2, "joint_venture": 1, "training": 1, "supply": 0.5},
}

# ---------------------------------------------------------------------------
# Sector profiles: key = NACE division ("25") or group ("46.3"); the longest
# matching key wins. (offers, needs, cooperation profile, name concept)
# ---------------------------------------------------------------------------
PROFILES = {
    "01": (["organic grain", "fresh vegetables", "oilseeds", "industrial hemp", "feed maize"],
           ["agricultural machinery", "seeds and seedlings", "fertiliser supply", "crop protection products",
            "irrigation systems", "farm advisory", "grain storage", "precision farming software",
            "organic certification"], "agrifood", "agro"),
    "01.2": (["wine grapes", "fresh fruit", "olives", "medicinal herbs", "hazelnuts", "essential oils"],
             ["irrigation systems", "cold storage", "fruit packaging", "seasonal staff",
              "organic certification", "agricultural machinery", "agricultural nets", "farm advisory",
              "harvesting services"], "agrifood", "agro"),
    "01.3": (["seeds and seedlings", "ornamental plants"],
             ["greenhouse construction", "irrigation systems", "plastic packaging", "seasonal staff"],
             "agrifood", "agro"),
    "01.4": (["dairy milk", "livestock", "free range eggs", "sheep milk", "honey", "wool"],
             ["animal feed", "veterinary services", "dairy equipment", "livestock transport", "farm advisory",
              "organic certification"], "agrifood", "agro"),
    "01.6": (["farm advisory", "harvesting services"],
             ["agricultural machinery", "precision farming software", "fleet leasing", "seasonal staff"],
             "agrifood", "agro"),
    "02": (["timber logs", "wood chips"],
           ["forestry machinery", "timber transport", "fsc certification", "gis mapping"], "agrifood", "wood"),
    "03": (["farmed fish", "fresh seafood"],
           ["fish feed", "aquaculture equipment", "cold chain transport", "food packaging",
            "haccp consulting"], "agrifood", "food"),
    "10": (["ready meals", "fruit preserves", "regional food specialties", "private label food",
            "organic food products"],
           ["fresh vegetables", "fresh fruit", "food packaging", "haccp consulting", "cold chain transport",
            "food processing machinery", "food safety testing", "label printing", "organic certification",
            "retail distribution", "packaging machines"], "agrifood", "food"),
    "10.1": (["cured meat products", "raw hides"],
             ["livestock", "food packaging", "cold chain transport", "food processing machinery",
              "haccp consulting", "halal certification"], "agrifood", "food"),
    "10.2": (["smoked fish"],
             ["fresh seafood", "farmed fish", "cold chain transport", "food packaging"], "agrifood", "food"),
    "10.4": (["olive oil", "pumpkin seed oil"],
             ["olives", "oilseeds", "glass bottles", "label printing", "wholesale distribution"],
             "agrifood", "food"),
    "10.5": (["cheese", "yoghurt"],
             ["dairy milk", "sheep milk", "dairy equipment", "cold chain transport", "food packaging",
              "food safety testing"], "agrifood", "food"),
    "10.6": (["flour", "animal feed"],
             ["organic grain", "grain storage", "paper bags"], "agrifood", "food"),
    "10.7": (["bakery products", "pasta"],
             ["flour", "bakery ovens", "food packaging", "fleet leasing", "free range eggs"],
             "agrifood", "food"),
    "10.8": (["chocolate confectionery", "food supplements"],
             ["coffee and cocoa imports", "food packaging", "honey", "medicinal herbs", "label printing",
              "haccp consulting", "hazelnuts"], "agrifood", "food"),
    "10.9": (["animal feed", "fish feed"],
             ["feed maize", "oilseeds", "road freight", "laboratory testing"], "agrifood", "food"),
    "11": (["wine", "craft beer", "fruit brandy", "fruit juices", "wine tasting"],
           ["wine grapes", "fresh fruit", "glass bottles", "oak barrels", "label printing", "wine export",
            "tourism packages", "bottling line service", "laboratory testing"], "agrifood", "food"),
    "13": (["woven fabrics", "yarn", "home textiles", "upholstery fabrics", "agricultural nets"],
           ["textile fibres", "dyeing chemicals", "textile machinery", "fashion design",
            "oeko-tex certification", "wool"], "manuf", "textile"),
    "14": (["garment manufacturing", "workwear", "knitwear"],
           ["woven fabrics", "yarn", "fashion design", "e-commerce platform", "label printing"],
           "manuf", "textile"),
    "15": (["leather goods", "footwear", "tanned leather"],
           ["tanned leather", "raw hides", "fashion design", "shoe soles"], "manuf", "textile"),
    "16": (["sawn timber", "wood pellets", "wooden windows", "oak barrels", "wooden pallets",
            "timber frame houses", "wood-based panels"],
           ["timber logs", "woodworking machinery", "fsc certification", "adhesives", "timber transport"],
           "manuf", "wood"),
    "17": (["corrugated packaging", "paper bags", "food packaging", "fruit packaging"],
           ["recovered paper", "paper supply", "printing inks", "packaging design"], "manuf", "print"),
    "18": (["label printing", "large format printing", "book printing"],
           ["paper supply", "printing inks", "graphic design", "printing machinery"], "manuf", "print"),
    "20": (["adhesives", "cleaning chemicals", "fertiliser supply", "printing inks", "dyeing chemicals",
            "industrial gases", "crop protection products"],
           ["chemical raw materials", "reach compliance", "laboratory testing", "hazardous goods transport",
            "plastic packaging"], "manuf", "chem"),
    "20.4": (["cosmetics", "cleaning chemicals", "natural cosmetics"],
             ["essential oils", "medicinal herbs", "plastic packaging", "glass bottles", "packaging design",
              "reach compliance"], "manuf", "chem"),
    "21": (["generic medicines", "food supplements"],
           ["clinical trials", "gmp consulting", "medicinal herbs", "regulatory affairs",
            "laboratory testing", "pharmaceutical distribution"], "rnd", "health"),
    "22": (["plastic injection moulding", "plastic packaging", "plastic pipes", "composite materials",
            "shoe soles", "plastic enclosures"],
           ["plastic granulate", "injection moulds", "recycled plastic granulate", "cnc machining",
            "industrial design"], "manuf", "chem"),
    "23": (["glass bottles", "ceramic tiles", "precast concrete", "bricks", "flat glass"],
           ["industrial minerals", "natural gas supply", "industrial equipment repair",
            "energy efficiency audit", "quarry aggregates", "road freight"], "manuf", "build"),
    "24": (["steel profiles", "aluminium die casting", "aluminium profiles", "copper wire"],
           ["scrap metal", "electricity supply", "industrial equipment repair", "heavy haulage",
            "laboratory testing", "industrial gases"], "manuf", "metal"),
    "25": (["cnc machining", "metal stamping", "welding services", "sheet metal fabrication",
            "steel structures", "laser cutting", "powder coating", "injection moulds",
            "precision turned parts", "heat treatment", "storage racks", "furniture fittings"],
           ["steel supply", "aluminium profiles", "machine tools", "iso 9001 certification",
            "industrial gases", "ce marking", "mechanical engineering design", "3d printing",
            "heat treatment", "powder coating"], "manuf", "metal"),
    "26": (["pcb assembly", "sensors", "measuring instruments", "iot devices", "cctv systems",
            "marine electronics", "laboratory equipment"],
           ["electronic components", "pcb design", "emc testing", "ce marking", "plastic enclosures",
            "embedded software", "cnc machining", "iot connectivity", "prototype development"], "manuf", "eng"),
    "27": (["electric motors", "cable harnesses", "led lighting", "battery packs", "transformers",
            "ev chargers"],
           ["copper wire", "electronic components", "plastic injection moulding", "metal stamping",
            "emc testing", "ce marking", "sheet metal fabrication", "pcb assembly"], "manuf", "eng"),
    "28": (["machine tools", "food processing machinery", "agricultural machinery", "packaging machines",
            "hydraulic systems", "woodworking machinery", "textile machinery", "dairy equipment",
            "heat pumps", "recycling machinery", "construction machinery", "printing machinery",
            "bakery ovens", "commercial kitchen equipment", "forestry machinery", "aquaculture equipment",
            "irrigation systems"],
           ["cnc machining", "steel structures", "electric motors", "plc programming", "machine installation",
            "ce marking", "technical translation", "trade fair stands", "sensors", "precision turned parts",
            "laser cutting"], "manuf", "metal"),
    "29": (["automotive components", "trailers and semi-trailers"],
           ["metal stamping", "plastic injection moulding", "cable harnesses", "iatf 16949 certification",
            "just in time delivery", "logistics warehousing", "aluminium die casting"], "manuf", "metal"),
    "30": (["boat building", "railway components", "electric bicycles"],
           ["composite materials", "cnc machining", "welding services", "marine electronics",
            "electric motors", "battery packs", "technical inspection"], "manuf", "metal"),
    "31": (["office furniture", "kitchen furniture", "hotel furniture"],
           ["sawn timber", "wood-based panels", "furniture fittings", "upholstery fabrics", "interior design",
            "freight forwarding"], "manuf", "wood"),
    "32": (["jewellery", "toys", "sports equipment", "medical devices"],
           ["precious metals", "3d printing", "ce marking", "e-commerce platform", "cnc machining",
            "industrial design", "prototype development"], "manuf", "design"),
    "32.5": (["medical devices", "dental prosthetics", "orthopaedic aids"],
             ["medical device regulation", "3d printing", "cnc machining", "clinical trials",
              "medical supplies"], "manuf", "health"),
    "33": (["industrial equipment repair", "machine installation", "ship repair", "aircraft maintenance",
            "bottling line service"],
           ["spare parts supply", "technical training", "plc programming", "temporary staffing"],
           "manuf", "metal"),
    "35": (["electricity supply", "natural gas supply", "district heating"],
           ["solar panel installation", "energy efficiency audit", "wood chips",
            "grid connection engineering", "solar panels", "wood pellets", "transformers"], "energy", "energy"),
    "36": (["water supply", "wastewater treatment"],
           ["water pipelines", "laboratory testing", "environmental consulting", "hydraulic systems"],
           "energy", "eco"),
    "37": (["wastewater treatment"],
           ["water pipelines", "laboratory testing", "environmental consulting", "hydraulic systems"],
           "energy", "eco"),
    "38": (["waste collection", "scrap metal", "recycled plastic granulate", "recovered paper",
            "hazardous waste disposal"],
           ["recycling machinery", "road freight", "environmental consulting", "fleet leasing"],
           "services", "eco"),
    "39": (["soil remediation", "hazardous waste disposal"],
           ["laboratory testing", "environmental consulting", "earthworks"], "services", "eco"),
    "41": (["residential construction", "building renovation"],
           ["precast concrete", "building materials", "architectural design", "structural engineering",
            "temporary staffing", "electrical installation", "plumbing and hvac",
            "construction equipment rental", "timber frame houses", "bricks"], "construction", "build"),
    "42": (["road construction", "water pipelines", "earthworks", "fibre network installation"],
           ["quarry aggregates", "construction equipment rental", "geotechnical survey", "precast concrete",
            "land surveying", "steel structures", "plastic pipes", "railway components"],
           "construction", "build"),
    "43": (["electrical installation", "plumbing and hvac", "facade insulation", "solar panel installation",
            "heat pump installation", "interior finishing", "shop fitting", "greenhouse construction"],
           ["building materials", "solar panels", "heat pumps", "temporary staffing",
            "construction equipment rental", "ceramic tiles", "flat glass", "wooden windows"],
           "construction", "build"),
    "45": (["car repair", "used vehicles", "vehicle spare parts", "truck repair"],
           ["automotive components", "digital marketing", "erp integration", "temporary staffing"],
           "trade", "trade"),
    "46": (["export distribution", "wholesale distribution", "sales representation", "import sourcing"],
           ["logistics warehousing", "freight forwarding", "erp integration", "customs brokerage",
            "market research", "e-commerce platform", "warehouse space rental"], "trade", "trade"),
    "46.1": (["sales representation", "export distribution", "import sourcing"],
             ["market research", "business matchmaking", "technical translation", "private label food",
              "machine tools", "office furniture"], "trade", "trade"),
    "46.2": (["organic grain", "grain storage", "animal feed", "raw hides", "textile fibres"],
             ["oilseeds", "feed maize", "road freight", "inland shipping", "laboratory testing"],
             "trade", "agro"),
    "46.3": (["food wholesale", "wine export", "coffee and cocoa imports", "wholesale distribution"],
             ["cheese", "wine", "cured meat products", "olive oil", "private label food", "fruit juices",
              "craft beer", "fresh fruit", "cold chain transport", "logistics warehousing",
              "pumpkin seed oil", "pasta", "fruit brandy"], "trade", "food"),
    "46.4": (["wholesale distribution", "pharmaceutical distribution", "medical supplies",
              "export distribution"],
             ["cosmetics", "office furniture", "kitchen furniture", "led lighting", "toys", "home textiles",
              "generic medicines", "food supplements", "footwear", "leather goods"], "trade", "trade"),
    "46.5": (["electronic components", "it hardware supply"],
             ["iot devices", "sensors", "e-commerce platform", "logistics warehousing"], "trade", "it"),
    "46.6": (["spare parts supply", "machine tools", "agricultural machinery", "construction machinery"],
             ["machine tools", "agricultural machinery", "construction machinery", "technical training",
              "machine installation"], "trade", "trade"),
    "46.7": (["steel supply", "chemical raw materials", "building materials", "industrial minerals",
              "plastic granulate", "solar panels", "precious metals", "paper supply", "quarry aggregates"],
             ["steel profiles", "aluminium profiles", "bricks", "ceramic tiles", "sawn timber",
              "heavy haulage", "rail freight", "inland shipping", "short sea shipping"], "trade", "trade"),
    "47": (["retail distribution", "online retail"],
           ["food wholesale", "private label food", "pos systems", "digital marketing", "shop fitting",
            "logistics warehousing", "e-commerce platform", "regional food specialties", "courier services"],
           "trade", "trade"),
    "47.1": (["retail distribution", "delicatessen retail"],
             ["regional food specialties", "cheese", "wine", "bakery products", "fresh vegetables",
              "food wholesale", "cold storage", "pos systems", "ready meals", "yoghurt"], "trade", "food"),
    "47.2": (["retail distribution", "delicatessen retail"],
             ["regional food specialties", "cheese", "wine", "bakery products", "fresh vegetables",
              "food wholesale", "cured meat products", "olive oil", "organic food products", "smoked fish",
              "chocolate confectionery"], "trade", "food"),
    "47.7": (["retail distribution", "online retail"],
             ["cosmetics", "footwear", "knitwear", "jewellery", "generic medicines", "pos systems",
              "digital marketing", "garment manufacturing"], "trade", "trade"),
    "47.9": (["online retail", "e-commerce fulfilment"],
             ["e-commerce platform", "courier services", "logistics warehousing", "digital marketing",
              "regional food specialties", "natural cosmetics", "corrugated packaging",
              "call centre services"], "trade", "trade"),
    "49": (["road freight", "cold chain transport", "heavy haulage", "passenger transport", "rail freight",
            "timber transport", "hazardous goods transport", "just in time delivery", "livestock transport"],
           ["trailers and semi-trailers", "fleet leasing", "truck repair", "transport management software",
            "temporary staffing", "fleet telematics"], "transport", "transport"),
    "50": (["inland shipping", "short sea shipping"],
           ["ship repair", "port services", "freight forwarding", "marine electronics", "boat building"],
           "transport", "transport"),
    "51": (["charter flights"],
           ["aircraft maintenance", "ground handling", "freight forwarding"], "transport", "transport"),
    "52": (["logistics warehousing", "freight forwarding", "customs brokerage", "port services",
            "ground handling", "cold storage", "grain storage"],
           ["warehouse management software", "forklift rental", "road freight", "temporary staffing",
            "storage racks", "wooden pallets"], "transport", "transport"),
    "53": (["courier services", "e-commerce fulfilment"],
           ["fleet leasing", "transport management software", "electric bicycles", "logistics warehousing"],
           "transport", "transport"),
    "55": (["hotel accommodation", "conference venues", "wellness services", "agritourism"],
           ["tourism packages", "regional food specialties", "wine", "hotel furniture", "laundry services",
            "online booking system", "digital marketing", "seasonal staff", "cleaning services",
            "ev chargers", "interior finishing", "landscaping", "beauty treatments"], "tourism", "tour"),
    "56": (["catering", "restaurant dining"],
           ["fresh vegetables", "wine", "cheese", "commercial kitchen equipment", "food wholesale",
            "haccp consulting", "seasonal staff", "cured meat products", "craft beer", "waste collection"],
           "tourism", "food"),
    "58": (["book publishing"],
           ["book printing", "technical translation", "graphic design", "digital marketing", "paper supply"],
           "ict", "media"),
    "58.2": (["saas products"],
             ["cloud hosting", "ux design", "digital marketing", "it recruitment"], "ict", "it"),
    "59": (["video production"],
           ["camera equipment rental", "music production", "technical translation", "cloud hosting"],
           "ict", "media"),
    "60": (["radio advertising"],
           ["video production", "broadband connectivity", "music production"], "ict", "media"),
    "61": (["broadband connectivity", "iot connectivity"],
           ["fibre network installation", "temporary staffing", "cybersecurity services",
            "electricity supply"], "ict", "it"),
    "62": (["erp integration", "cybersecurity services", "web development", "data analytics",
            "e-commerce platform", "online booking system", "embedded software",
            "warehouse management software", "transport management software", "pos systems",
            "precision farming software", "e-learning platform", "health it systems", "crm integration",
            "fleet telematics"],
           ["it recruitment", "cloud hosting", "eu funding advice", "digital marketing", "ux design",
            "technical translation", "applied research", "gdpr compliance"], "ict", "it"),
    "63": (["cloud hosting", "gis mapping"],
           ["broadband connectivity", "cybersecurity services", "electricity supply"], "ict", "it"),
    "68": (["office space rental", "warehouse space rental"],
           ["building renovation", "facility management", "cleaning services", "architectural design",
            "energy efficiency audit", "legal advice", "district heating", "residential construction",
            "facade insulation", "landscaping"], "services", "estate"),
    "69": (["legal advice", "accounting services", "gdpr compliance", "payroll services", "ip protection"],
           ["erp integration", "technical translation", "cloud hosting", "digital marketing",
            "office space rental"], "prof", "consult"),
    "70": (["eu funding advice", "business consulting", "market entry support", "haccp consulting",
            "gmp consulting", "business matchmaking", "reach compliance", "medical device regulation",
            "regulatory affairs"],
           ["market research", "technical translation", "legal advice", "data analytics"], "prof", "consult"),
    "71": (["architectural design", "structural engineering", "mechanical engineering design",
            "energy efficiency audit", "geotechnical survey", "environmental consulting", "plc programming",
            "3d scanning", "land surveying", "pcb design", "grid connection engineering"],
           ["3d printing", "technical translation", "measuring instruments", "gis mapping", "it recruitment"],
           "prof", "eng"),
    "71.2": (["laboratory testing", "emc testing", "food safety testing", "technical inspection",
              "iso 9001 certification", "organic certification", "fsc certification", "halal certification",
              "oeko-tex certification", "iatf 16949 certification", "ce marking"],
             ["measuring instruments", "technical translation", "laboratory equipment"], "prof", "eng"),
    "72": (["applied research", "prototype development", "clinical trials", "3d printing"],
           ["eu funding advice", "measuring instruments", "ip protection", "cnc machining",
            "laboratory equipment"], "rnd", "lab"),
    "73": (["digital marketing", "market research", "advertising campaigns"],
           ["video production", "graphic design", "large format printing", "web development", "photography"],
           "prof", "consult"),
    "74": (["graphic design", "industrial design", "interior design", "ux design", "technical translation",
            "photography", "fashion design", "packaging design", "interpreting services", "exhibition design"],
           ["large format printing", "web development", "cloud hosting", "digital marketing", "3d printing"],
           "prof", "design"),
    "75": (["veterinary services"],
           ["pharmaceutical distribution", "laboratory testing", "medical supplies"], "health", "health"),
    "77": (["construction equipment rental", "fleet leasing", "forklift rental", "camera equipment rental",
            "event equipment rental"],
           ["construction machinery", "vehicle spare parts", "industrial equipment repair", "used vehicles",
            "car repair"], "services", "service"),
    "78": (["temporary staffing", "seasonal staff", "it recruitment", "cross-border recruitment"],
           ["language training", "digital marketing", "legal advice", "payroll services"],
           "services", "consult"),
    "79": (["tourism packages", "business travel", "cycling tours", "tour guiding"],
           ["hotel accommodation", "passenger transport", "online booking system", "digital marketing",
            "wine tasting", "charter flights", "cultural heritage tours", "agritourism", "medical tourism",
            "restaurant dining"], "tourism", "tour"),
    "80": (["security services"],
           ["cctv systems", "temporary staffing", "technical training"], "services", "service"),
    "81": (["cleaning services", "facility management", "landscaping"],
           ["cleaning chemicals", "seasonal staff", "fleet leasing", "ornamental plants", "workwear"],
           "services", "service"),
    "82": (["call centre services", "trade fair organisation", "trade fair stands", "contract packaging",
            "business matchmaking"],
           ["event equipment rental", "catering", "conference venues", "crm integration",
            "cross-border recruitment", "interpreting services", "business travel"], "services", "service"),
    "85": (["language training", "technical training", "vocational training"],
           ["e-learning platform", "conference venues", "eu funding advice", "interpreting services",
            "digital marketing"], "edu", "edu"),
    "86": (["medical services", "dental services", "physiotherapy", "medical tourism"],
           ["medical devices", "medical supplies", "health it systems", "tourism packages",
            "cleaning services", "laundry services", "dental prosthetics"], "health", "health"),
    "87": (["elderly care", "home care services"],
           ["medical supplies", "catering", "temporary staffing", "orthopaedic aids", "health it systems"],
           "health", "health"),
    "88": (["home care services"],
           ["medical supplies", "catering", "temporary staffing", "orthopaedic aids", "vocational training"],
           "health", "health"),
    "90": (["event production", "music production"],
           ["event equipment rental", "tourism packages", "advertising campaigns", "conference venues"],
           "services", "media"),
    "91": (["cultural heritage tours"],
           ["exhibition design", "3d scanning", "tourism packages", "video production"], "services", "media"),
    "93": (["sports facilities", "adventure tourism"],
           ["sports equipment", "tourism packages", "digital marketing", "hotel accommodation"],
           "tourism", "tour"),
    "95": (["computer repair"],
           ["spare parts supply", "electronic components"], "services", "service"),
    "96": (["laundry services", "beauty treatments", "wellness services"],
           ["cosmetics", "online booking system", "cleaning chemicals", "natural cosmetics"],
           "services", "service"),
}
# Generic tags (~10% of the picks), usable by any SME.
GENERIC_OFFERS = ["local market knowledge", "joint tendering", "eu project partnership", "subcontracting capacity",
                  "sales representation"]
GENERIC_NEEDS = ["export distribution", "eu funding advice", "digital marketing", "business matchmaking",
                 "technical translation", "legal advice", "accounting services", "web development",
                 "erp integration", "market research", "cybersecurity services", "energy efficiency audit",
                 "cross-border recruitment", "local market knowledge", "joint tendering", "eu project partnership",
                 "market entry support", "logistics warehousing"]

# ---------------------------------------------------------------------------
# Planted scenarios: (class of a, class of b, common cooperation type,
# qualifiers, what a offers = b needs, what b offers = a needs). Pair k uses
# scenario k mod len(PLANTED) and qualifier k div len(PLANTED).
# ---------------------------------------------------------------------------
PLANTED = [
    ("25.62", "28.41", "subcontracting",
     ["titanium", "inconel", "duplex steel", "hastelloy", "tantalum", "zirconium", "maraging steel", "cobalt chrome"],
     "{} laser welding", "{} five-axis fixtures"),
    ("11.02", "79.12", "joint_venture",
     ["amphora orange", "late harvest", "ice", "skin-contact", "barrique red", "pét-nat", "sparkling rosé",
      "botrytis dessert"],
     "{} wine cellar tastings", "{} wine route tours"),
    ("10.51", "56.10", "supply",
     ["cave", "ash-rind", "hay-wrapped", "walnut-leaf", "smoked", "wine-washed", "beeswax-coated", "brine-cured"],
     "{} sheep milk cheese aging", "{} cheese pairing menus"),
    ("62.01", "86.22", "rnd",
     ["radiology", "cardiology", "dermatology", "ophthalmology", "oncology", "dialysis", "orthopaedics",
      "neurology"],
     "{} ai triage software", "{} clinical validation data"),
    ("22.22", "38.32", "supply",
     ["hdpe", "pet", "polypropylene", "abs", "polycarbonate", "pvc", "ldpe", "polyamide"],
     "{} production scrap bales", "{} food-grade recyclate"),
    ("13.96", "14.19", "joint_venture",
     ["graphene", "ceramic-coated", "aramid", "basalt fibre", "carbon fibre", "bio-based pla", "merino blend",
      "recycled polyester"],
     "{} membrane laminates", "{} garment prototyping"),
    ("01.24", "10.39", "supply",
     ["paprika", "sour cherry", "plum", "apricot", "elderflower", "sea buckthorn", "aronia", "quince"],
     "{} orchard harvest lots", "{} contract freeze-drying"),
    ("62.01", "85.59", "training",
     ["rust", "kotlin", "golang", "elixir", "scala", "haskell", "ocaml", "clojure"],
     "{} certification exam engine", "{} developer bootcamps"),
    ("71.12", "43.22", "subcontracting",
     ["geothermal", "seawater", "groundwater", "biomass hybrid", "hydrogen-ready", "ammonia", "co2", "ice-storage"],
     "{} heat pump system design", "{} heat pump commissioning"),
    ("74.30", "32.50", "services",
     ["slovene", "croatian", "hungarian", "romanian", "bulgarian", "greek", "albanian", "macedonian"],
     "{} medical ifu translation", "{} distributor network access"),
    ("49.41", "52.10", "services",
     ["danube corridor", "adriatic-baltic", "brenner", "via egnatia", "orient-east-med", "rhine-danube",
      "pan-european x", "trieste-budapest"],
     "{} groupage trucking", "{} cross-dock slots"),
    ("55.10", "93.29", "joint_venture",
     ["via ferrata", "canyoning", "rafting", "ski touring", "paragliding", "caving", "sea kayaking",
      "horse trekking"],
     "{} guest lodging packages", "{} guided excursions"),
    ("26.51", "01.11", "rnd",
     ["durum wheat", "sunflower", "maize", "soybean", "barley", "rapeseed", "sugar beet", "hop"],
     "{} soil moisture sensor networks", "{} field trial plots"),
    ("20.42", "01.28", "supply",
     ["lavender", "immortelle", "sage", "chamomile", "damask rose", "mountain savory", "marigold", "thyme"],
     "{} private label cosmetics line", "{} essential oil distillate"),
    ("72.19", "24.42", "rnd",
     ["scandium", "lithium", "magnesium", "boron", "silicon carbide", "graphene", "cerium", "copper"],
     "{} alloy characterisation", "{} pilot melt batches"),
    ("73.11", "11.05", "joint_venture",
     ["sour ale", "smoked lager", "wild yeast", "hazy ipa", "porter", "barley wine", "gose", "saison"],
     "{} label campaign design", "{} co-branded event kegs"),
    ("33.12", "10.13", "services",
     ["slicer", "vacuum tumbler", "smokehouse", "bowl cutter", "mincer", "thermoformer", "brine injector",
      "stuffing machine"],
     "{} overhaul service", "{} reference site access"),
    ("42.21", "36.00", "subcontracting",
     ["karst spring", "alluvial aquifer", "reservoir", "riverbank filtration", "desalination", "mountain spring",
      "lake intake", "wellfield"],
     "{} pipeline rehabilitation", "{} network leak data"),
    ("59.11", "91.02", "licensing",
     ["roman", "byzantine", "habsburg", "ottoman", "venetian", "neolithic", "illyrian", "thracian"],
     "{} heritage documentary filming", "{} archive footage licensing"),
    ("47.91", "10.82", "distribution",
     ["pumpkin seed", "poppy seed", "walnut", "hazelnut", "lavender", "fig", "chestnut", "carob"],
     "{} online marketplace listing", "{} artisanal pralines"),
    ("29.32", "27.90", "supply",
     ["48v", "solid-state", "sodium-ion", "lfp", "nmc", "supercapacitor", "fuel cell", "wireless charging"],
     "{} battery housing stamping", "{} battery management modules"),
    ("85.32", "43.21", "training",
     ["pv rooftop", "ev charger", "smart meter", "knx home", "heat pump wiring", "battery storage", "led retrofit",
      "lightning protection"],
     "{} apprentice training", "{} apprenticeship placements"),
    ("50.40", "46.21", "distribution",
     ["malting barley", "milling wheat", "soybean meal", "sunflower seed", "rapeseed", "feed maize", "oat",
      "durum semolina"],
     "{} barge grain shipping", "{} grain export contracts"),
    ("86.23", "79.11", "services",
     ["implant", "orthodontic", "veneer", "whitening", "full-arch", "bone graft", "ceramic crown", "root canal"],
     "{} dental treatment packages", "{} patient travel arrangements"),
    ("21.20", "72.11", "licensing",
     ["phage", "probiotic", "peptide", "mrna", "monoclonal", "enzyme", "vaccine adjuvant", "microbiome"],
     "{} gmp pilot batches", "{} preclinical candidate licensing"),
]

# ---------------------------------------------------------------------------
# Names: per naming language, surnames, places, a word per concept and legal
# forms (small firms; medium/large ones sometimes use the "big" forms).
# ---------------------------------------------------------------------------
CONCEPTS = ("metal", "build", "wood", "food", "agro", "trade", "transport", "tour", "it", "consult", "eng",
            "energy", "eco", "health", "textile", "chem", "print", "service", "media", "design", "lab", "estate",
            "edu")
NAMING = {
    "sl": dict(
        stems="Novak Horvat Kovačič Krajnc Zupančič Potočnik Kos Vidmar Golob Turk Mlakar Kralj Žagar Bizjak "
              "Hribar Zorman Kolar Medved Oblak Rozman",
        places="Triglav Pohorje Soča Kras Lipa Kamnik Savinja Krka Bohinj Snežnik",
        words="Kovina Gradnje Les Živila Agro Trgovina Prevozi Turizem Informatika Svetovanje Inženiring "
              "Energija Ekologija Medicina Tekstil Kemija Tisk Storitve Mediji Dizajn Laboratorij Nepremičnine "
              "Izobraževanje",
        forms=[("d.o.o.", 88), ("s.p.", 12)], big=["d.d."]),
    "hr": dict(
        stems="Horvat Kovačević Babić Marić Jurić Knežević Vuković Pavlović Božić Perić Radić Tomić Grgić Matić "
              "Šimić Petrović",
        places="Jadran Velebit Učka Drava Mosor Biokovo Kvarner Zagorje Slavonija Dinara",
        words="Metal Gradnja Drvo Prehrana Agro Trgovina Prijevoz Turizam Informatika Savjetovanje Inženjering "
              "Energija Eko Medika Tekstil Kemija Tisak Usluge Mediji Dizajn Laboratorij Nekretnine Edukacija",
        forms=[("d.o.o.", 88), ("j.d.o.o.", 12)], big=["d.d."]),
    "sr": dict(
        stems="Jovanović Petrović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Popović Živković "
              "Todorović Kostić Lazić",
        places="Morava Zlatibor Tara Šumadija Fruška Gora Dunav Kopaonik Rtanj Timok Srem",
        words="Metal Gradnja Drvo Prehrana Agro Trgovina Prevoz Turizam Informatika Savetovanje Inženjering "
              "Energija Eko Medika Tekstil Hemija Štampa Usluge Mediji Dizajn Laboratorija Nekretnine Edukacija",
        forms=[("d.o.o.", 100)], big=["a.d."]),
    "bs": dict(
        stems="Hodžić Hadžić Delić Begić Kovačević Mehić Jukić Šarić Alić Hasić Bešlić Čolić Softić Mujić",
        places="Neretva Bosna Una Drina Vrbas Igman Bjelašnica Jahorina Vlašić Trebević",
        words="Metal Gradnja Drvo Prehrana Agro Trgovina Prevoz Turizam Informatika Savjetovanje Inženjering "
              "Energija Eko Medika Tekstil Hemija Štamparija Usluge Mediji Dizajn Laboratorija Nekretnine Edukacija",
        forms=[("d.o.o.", 100)], big=["d.d."]),
    "me": dict(
        stems="Vujović Radulović Popović Vuković Šćepanović Lakić Bulatović Jovanović Marković Raičević Perović",
        places="Lovćen Durmitor Morača Orjen Bjelasica Skadar Boka Prokletije Sinjajevina Tara",
        words="Metal Gradnja Drvo Prehrana Agro Trgovina Prevoz Turizam Informatika Savjetovanje Inženjering "
              "Energija Eko Medika Tekstil Hemija Štampa Usluge Mediji Dizajn Laboratorija Nekretnine Edukacija",
        forms=[("d.o.o.", 100)], big=["a.d."]),
    "de": dict(
        stems="Huber Bauer Wagner Gruber Müller Schmid Weber Hofmann Maier Fischer Steiner Moser Pichler Wimmer "
              "Lehmann Richter Krause Zimmermann Brandt Vogel Köhler Schröder Lorenz Günther Förster",
        places="Alpen Donau Isar Elbe Spree Erzgebirge Franken Saale Havel Tauern Inn Rhön",
        words="Metallbau Bau Holzbau Feinkost Agrar Handel Logistik Touristik Software Beratung Technik Energie "
              "Umwelttechnik Medizintechnik Textil Chemie Druck Service Medien Design Labor Immobilien Akademie",
        forms=[("GmbH", 72), ("e.K.", 10), ("KG", 6), ("GmbH & Co. KG", 6), ("UG (haftungsbeschränkt)", 6)],
        big=["AG", "GmbH & Co. KG"]),
    "at": dict(
        stems="Huber Gruber Bauer Wagner Pichler Steiner Moser Mayer Hofer Leitner Berger Fuchs Eder Schwarz "
              "Wimmer Brunner Lang Auer Egger Winkler",
        places="Alpen Donau Tauern Inn Mur Wachau Salzkammergut Mühlviertel Dachstein Pannonia",
        words="Metallbau Bau Holzbau Feinkost Agrar Handel Logistik Touristik Software Beratung Technik Energie "
              "Umwelttechnik Medizintechnik Textil Chemie Druck Service Medien Design Labor Immobilien Akademie",
        forms=[("GmbH", 75), ("e.U.", 12), ("KG", 6), ("OG", 4), ("GmbH & Co KG", 3)], big=["AG"]),
    "it": dict(
        stems="Rossi Bianchi Colombo Russo Esposito Romano Ricci Marino Greco Bruno Gallo Conti De Luca Costa "
              "Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro Zanetti Benedetti",
        places="Adige Brenta Piave Dolomiti Garda Conero Gargano Vesuvio Sila Murgia Tevere Berici Euganea",
        words="Meccanica Costruzioni Legnami Alimentari Agricola Commerciale Trasporti Viaggi Informatica "
              "Consulting Ingegneria Energia Ambiente Medicale Tessile Chimica Grafiche Servizi Media Design "
              "Laboratori Immobiliare Formazione",
        forms=[("S.r.l.", 75), ("S.n.c.", 10), ("S.a.s.", 8), ("S.r.l.s.", 7)], big=["S.p.A."]),
    "cs": dict(
        stems="Novák Svoboda Dvořák Černý Procházka Kučera Veselý Horák Němec Pokorný Marek Růžička Beneš Fiala "
              "Doležal Zeman",
        places="Vltava Šumava Krkonoše Beskydy Morava Labe Haná Jizera Podyjí Brdy",
        words="Strojírna Stavby Dřevovýroba Potraviny Agro Obchod Doprava Tour Software Poradenství Technika "
              "Energie Ekologie Medical Textil Chemie Tiskárna Služby Média Design Laboratoř Reality Vzdělávání",
        forms=[("s.r.o.", 92), ("v.o.s.", 4), ("k.s.", 4)], big=["a.s."]),
    "sk": dict(
        stems="Horváth Kováč Varga Tóth Baláž Szabó Molnár Lukáč Kollár Novák Oravec Hudák Krajčír Šimko",
        places="Tatry Váh Hron Fatra Orava Nitra Poprad Spiš Kysuce Záhorie",
        words="Strojáreň Stavby Drevo Potraviny Agro Obchod Doprava Tour Software Poradenstvo Technika Energia "
              "Eko Medical Textil Chémia Tlačiareň Služby Média Dizajn Laboratórium Reality Vzdelávanie",
        forms=[("s.r.o.", 92), ("k.s.", 4), ("v.o.s.", 4)], big=["a.s."]),
    "pl": dict(
        stems="Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak "
              "Dąbrowski Kozłowski Jankowski Mazur Krawczyk Łukasik Górski Pawłowski",
        places="Wisła Tatra Mazury Odra Karpaty Bałtyk Warta Bieszczady Pomorze Śląsk",
        words="Metal Budownictwo Stolarka Żywność Agro Handel Transport Turystyka Informatyka Doradztwo Inżynieria "
              "Energia Ekologia Medical Tekstylia Chemia Drukarnia Usługi Media Design Laboratorium Nieruchomości "
              "Szkolenia",
        forms=[("Sp. z o.o.", 82), ("sp.j.", 10), ("sp.k.", 8)], big=["S.A."]),
    "hu": dict(
        stems="Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász "
              "Mészáros Simon Rácz Fekete Szűcs Győri",
        places="Tisza Duna Mátra Bakony Balaton Alföld Zemplén Kőrös Hortobágy Pilis",
        words="Fémipari Építő Faipari Élelmiszer Agrár Kereskedelmi Fuvarozó Utazási Informatikai Tanácsadó "
              "Mérnöki Energia Környezetvédelmi Egészségügyi Textil Vegyipari Nyomda Szolgáltató Média Design "
              "Labor Ingatlan Oktatási",
        forms=[("Kft.", 85), ("Bt.", 15)], big=["Zrt."]),
    "ro": dict(
        stems="Popescu Ionescu Popa Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Munteanu Lungu Moldovan "
              "Ungureanu Constantin Dobre Șerban Tănase",
        places="Carpați Dunărea Mureș Olt Bucegi Someș Siret Făgăraș Apuseni Delta",
        words="Metal Construct Lemn Alimentare Agro Impex Trans Turism Soft Consulting Inginerie Energie Eco Med "
              "Textil Chim Print Serv Media Design Lab Imobiliare Educațional",
        forms=[("S.R.L.", 95), ("S.N.C.", 5)], big=["S.A."]),
    "md": dict(
        stems="Rusu Ciobanu Lungu Cebotari Rotaru Munteanu Popa Țurcanu Sârbu Bivol Guțu Cojocaru",
        places="Prut Nistru Codru Orhei Soroca Cahul Bugeac Răut",
        words="Metal Construct Lemn Alimentare Agro Impex Trans Turism Soft Consulting Inginerie Energie Eco Med "
              "Textil Chim Print Serv Media Design Lab Imobiliare Educațional",
        forms=[("S.R.L.", 100)], big=["S.A."]),
    "bg": dict(
        stems="Ivanov Georgiev Dimitrov Petrov Nikolov Hristov Stoyanov Todorov Angelov Vasilev Kolev Yordanov",
        places="Rila Pirin Balkan Rodopi Struma Iskar Vitosha Maritsa Tundzha Strandzha",
        words="Metal Stroy Darvo Hrani Agro Trade Trans Tours Soft Konsult Inzhenering Energy Eko Med Tekstil "
              "Himiya Print Servis Media Dizayn Lab Imoti Akademiya",
        forms=[("EOOD", 55), ("OOD", 40), ("ET", 5)], big=["AD", "EAD"]),
    "el": dict(
        stems="Papadopoulos Georgiou Dimitriou Nikolaou Papadakis Vlachos Konstantinou Oikonomou Karagiannis "
              "Makris Pappas Antoniou Alexiou Christodoulou",
        places="Olympos Pindos Aigaio Ionio Athos Parnassos Pilio Vermio Olympia Chalkidiki",
        words="Metallika Domiki Xylourgiki Trofima Agrotiki Emporiki Metafores Travel Pliroforiki Symvouleftiki "
              "Techniki Energeiaki Perivallontiki Iatriki Ifantourgia Chimika Ektyposeis Ypiresies Media Design "
              "Ergastiria Ktimatiki Ekpaideftiki",
        forms=[("I.K.E.", 45), ("A.E.", 20), ("E.P.E.", 20), ("O.E.", 15)], big=["A.E."]),
    "mk": dict(
        stems="Stojanovski Nikolovski Trajkovski Petrovski Angelovski Dimitrievski Jovanovski Ristovski "
              "Kostovski Mitrevski",
        places="Vardar Ohrid Šar Pelister Kozjak Prespa Bregalnica Vodno Galičica",
        words="Metal Gradba Drvo Prehrana Agro Trejd Transport Turs Soft Konsalting Inženering Energija Eko "
              "Medika Tekstil Hemija Print Servis Media Dizajn Lab Nedvižnosti Edukacija",
        forms=[("DOOEL", 70), ("DOO", 30)], big=["AD"]),
    "sq": dict(
        stems="Shehu Krasniqi Gashi Dervishi Kola Leka Marku Prifti Çela Hysa Dushku Lika Meta Xhafa",
        places="Drini Vjosa Dajti Tomorri Butrinti Shkodra Valbona Llogara Osumi",
        words="Metal Ndërtim Druri Ushqime Agro Tregti Transport Tours Soft Konsulencë Inxhinieri Energji Eko "
              "Med Tekstil Kimi Print Shërbime Media Dizajn Lab Pasuri Edukim",
        forms=[("sh.p.k.", 100)], big=["sh.a."]),
    "uk": dict(
        stems="Kovalenko Bondarenko Shevchenko Tkachenko Kravchenko Melnyk Boyko Oliynyk Lysenko Moroz "
              "Savchuk Hnatyuk Kostiuk Fedoryshyn",
        places="Karpaty Dnister Hoverla Podillia Volyn Bukovyna Zakarpattia Halychyna Roztochchia",
        words="Metal Bud Derevo Produkt Agro Treid Trans Tur Soft Konsaltyng Inzhynirynh Enerho Eko Med Tekstyl "
              "Khim Druk Servis Media Dyzain Lab Neruhomist Osvita",
        forms=[("TOV", 85), ("PP", 15)], big=["PrAT"], prefix=True),
}
COUNTRY_NAMING = {"SI": "sl", "HR": "hr", "RS": "sr", "BA": "bs", "ME": "me", "DE": "de", "AT": "at",
                  "IT": "it", "CZ": "cs", "SK": "sk", "PL": "pl", "HU": "hu", "RO": "ro", "MD": "md",
                  "BG": "bg", "EL": "el", "MK": "mk", "AL": "sq", "UA": "uk"}
BRAND_SYLLABLES = ("ve ra no ti ka lu mi sa to de ri na zo el ar on is te mo li va ko ne da ro al en "
                   "or un ma pe vi").split()
BRAND_SUFFIX = {"metal": "met tec metal", "build": "bau grad build", "wood": "wood holz les", "food": "food vita fresh",
                "agro": "agro farm grain", "trade": "trade com mark", "transport": "trans log cargo",
                "tour": "tours travel holiday", "it": "soft tech data", "consult": "cons plus pro",
                "eng": "tec tronic ing", "energy": "energ solar volt", "eco": "eko eco green", "health": "med vital care",
                "textile": "tex fashion knit", "chem": "chem plast lab", "print": "print pack graf",
                "service": "serv plus team", "media": "media studio vision", "design": "design form art",
                "lab": "lab gen science", "estate": "estate home real", "edu": "academy skill learn"}
BRAND_SUFFIX = {k: v.split() for k, v in BRAND_SUFFIX.items()}

# Official languages (ISO 639-1) per country; BA picks 1-2 of its three.
OFFICIAL = {"SI": ["sl"], "AT": ["de"], "DE": ["de"], "IT": ["it"], "CZ": ["cs"], "SK": ["sk"], "PL": ["pl"],
            "HU": ["hu"], "HR": ["hr"], "RS": ["sr"], "ME": ["sr"], "AL": ["sq"], "MK": ["mk"], "RO": ["ro"],
            "BG": ["bg"], "EL": ["el"], "UA": ["uk"], "MD": ["ro"]}
CENTRAL = {"SI", "HR", "CZ", "SK", "PL", "HU"}
# Neighbour/minority languages: (region prefix, language, probability).
EXTRA_LANG = [("SI044", "it", 0.40), ("SI043", "it", 0.20), ("HR036", "it", 0.40), ("HR031", "it", 0.20),
              ("HR03", "it", 0.08), ("AL", "it", 0.20), ("ME", "it", 0.06), ("ITH10", "de", 0.75),
              ("ITH4", "sl", 0.06), ("AT21", "sl", 0.05), ("RS12", "hu", 0.25), ("SK02", "hu", 0.15),
              ("SK04", "hu", 0.12), ("RO11", "hu", 0.20), ("RO12", "hu", 0.20), ("UA", "ru", 0.45),
              ("MD", "ru", 0.50), ("MK", "sq", 0.20)]

FOUNDED_EMPTY = 0.05
EMPLOYEES_GIVEN = 0.70
SPELLING_VARIANT = 0.05
GENERIC_SHARE = 0.10
PLANT_MAX_KM = 600.0


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def cumulate(weights):
    """Cumulative weights normalised to end at 1.0 (for bisect)."""
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc / total)
    out[-1] = 1.0
    return out


class Choice:
    """A weighted choice among items by bisect on cumulative weights."""
    __slots__ = ("items", "cum")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = cumulate(weights)

    def __call__(self, r):
        return self.items[bisect.bisect_right(self.cum, r)] if len(self.items) > 1 else self.items[0]


def haversine_km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def read_csv(path):
    """The rows of a CSV file as dicts; leading `#` lines (attribution) are skipped."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def in_scope(code):
    cc = code[:2]
    if cc not in CADSES:
        return False
    return code.startswith(SCOPE[cc]) if cc in SCOPE else True


def open_library():
    """The Python package of smartmatch, from bindings/python of this checkout.

    The package finds the C library through SMARTMATCH_LIBRARY or the meson
    build directories of the checkout (see bindings/python/smartmatch/_loader.py).
    """
    sys.path.insert(0, str(REPO / "bindings" / "python"))
    try:
        import smartmatch
    except ImportError as exc:
        raise SystemExit(f"gen_sample: the regions and sectors come from the library's built-in tables, "
                         f"and the library did not load (build it first: meson setup build && ninja -C build, "
                         f"or set SMARTMATCH_LIBRARY):\n{exc}")
    finally:
        del sys.path[0]
    return smartmatch


# ---------------------------------------------------------------------------
# reference data
# ---------------------------------------------------------------------------
class Reference:
    """Regions and sectors from the library's built-in tables (NUTS 2021, NACE Rev. 2);
    population weights and development indices from the derived files in DATA."""

    def __init__(self, data):
        data = Path(data)
        smartmatch = open_library()
        with smartmatch.Engine() as eng:
            regions = list(eng.regions.records())
            sectors = list(eng.sectors.records())
        # NUTS 2021 codes and their level, country and parent (BA, UA, MD: level-0 rows only)
        self.nuts = {r.code: r for r in regions}
        self.classes = {s.code: s.section for s in sectors if s.level == 4}
        self.nace_codes = {s.code for s in sectors}
        # the GISCO label point; for BA, UA, MD an approximate capital-city point
        self.point = {r.code: (r.lat, r.lon) for r in regions}
        self.population = read_csv(data / "population.csv")
        self.development_rows = [(r["region"], r["development"], r["source"])
                                 for r in read_csv(data / "development.csv")]
        self._regions()

    def _regions(self):
        """Per country: NUTS-3 regions in scope and their population weights."""
        pop2 = {r["nuts_id"]: float(r["population"]) for r in self.population}
        self.regions = {}   # country -> (codes, weights)
        self.country_pop = {}
        for cc in CADSES:
            if cc in NO_NUTS:
                self.regions[cc] = ([cc], [1.0])
                self.country_pop[cc] = POP_NO_NUTS[cc]
                continue
            n2 = sorted(c for c, r in self.nuts.items() if r.level == 2 and r.country == cc)
            # 2016 codes that no longer exist share their population among 2021 codes without data.
            gone = sum(p for c, p in pop2.items() if c[:2] == cc and c not in self.nuts)
            missing = [c for c in n2 if c not in pop2]
            weight2 = {c: pop2[c] for c in n2 if c in pop2}
            for c in missing:
                weight2[c] = gone / len(missing) if gone else 0.0
            codes, weights = [], []
            for c2 in n2:
                if not in_scope(c2) or weight2[c2] <= 0:
                    continue
                kids = sorted(c for c, r in self.nuts.items() if r.level == 3 and r.parent == c2)
                for c3 in kids:
                    codes.append(c3)
                    weights.append(weight2[c2] / len(kids))
            if not codes:
                raise SystemExit(f"gen_sample: no NUTS-3 regions with population for {cc}")
            self.regions[cc] = (codes, weights)
            self.country_pop[cc] = sum(weights)

    def development(self):
        """Rows (region, development, source), as derived by scripts/gen_tables.py."""
        return self.development_rows


# ---------------------------------------------------------------------------
# sector profiles
# ---------------------------------------------------------------------------
class Profile:
    __slots__ = ("key", "offers", "needs", "coop", "coop_n", "concept", "n_off", "n_need")

    def __init__(self, key, offers, needs, coop, concept):
        self.key = key
        self.offers, self.needs = offers, needs
        self.n_off, self.n_need = len(offers), len(needs)
        items = list(COOP[coop])
        self.coop = (items, cumulate([COOP[coop][k] for k in items]))
        self.coop_n = len(items)
        self.concept = concept


def build_profiles(ref):
    profiles = {}
    for key, (offers, needs, coop, concept) in PROFILES.items():
        if key not in ref.nace_codes:
            raise SystemExit(f"gen_sample: profile key {key} is not a NACE code")
        if concept not in CONCEPTS:
            raise SystemExit(f"gen_sample: unknown concept {concept}")
        profiles[key] = Profile(key, offers, needs, coop, concept)
    offered = set(GENERIC_OFFERS)
    for p in profiles.values():
        offered.update(p.offers)
    needed = set(GENERIC_NEEDS)
    for p in profiles.values():
        needed.update(p.needs)
    unmatched = sorted(needed - offered)
    if unmatched:
        raise SystemExit("gen_sample: needs nobody offers: " + ", ".join(unmatched))
    vocab = offered | needed
    for t in vocab:
        if t != t.strip().lower() or any(ch in t for ch in ';,"\'') or "  " in t:
            raise SystemExit(f"gen_sample: bad tag {t!r}")
    by_class = {}
    for code in ref.classes:
        p = profiles.get(code[:4]) or profiles.get(code[:2])
        if p is None and code[:2] in {d for _, (_, ds) in DIVISION_WEIGHTS.items() for d in ds}:
            raise SystemExit(f"gen_sample: no profile for class {code}")
        by_class[code] = p
    return by_class, vocab


def planted_tags(n_pairs, vocab, classes):
    """The (class a, class b, cooperation, x, y) of the first n_pairs scenarios; x and y unique."""
    out, seen = [], set()
    for k in range(n_pairs):
        sa, sb, coop, quals, xt, yt = PLANTED[k % len(PLANTED)]
        q = quals[k // len(PLANTED)]
        x, y = xt.format(q), yt.format(q)
        for t in (x, y):
            if t in seen or t in vocab or any(ch in t for ch in ';,"\'') or t != t.lower():
                raise SystemExit(f"gen_sample: planted tag {t!r} is not unique or malformed")
            seen.add(t)
        if sa not in classes or sb not in classes or coop not in COOP["manuf"]:
            raise SystemExit(f"gen_sample: bad planted scenario {sa} {sb} {coop}")
        out.append((sa, sb, coop, x, y))
    return out


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------
def allocate(n, weights, floor):
    """Split n among keys in proportion to weights (largest remainder), each at least floor."""
    fixed = {}
    while True:
        free = {c: w for c, w in weights.items() if c not in fixed}
        rest = n - floor * len(fixed)
        total = sum(free.values())
        below = [c for c, w in free.items() if rest * w / total < floor]
        if not below:
            break
        for c in below:
            fixed[c] = floor
    quota = {c: rest * w / total for c, w in free.items()}
    counts = {c: int(q) for c, q in quota.items()}
    left = rest - sum(counts.values())
    for c in sorted(quota, key=lambda c: (-(quota[c] - counts[c]), c))[:left]:
        counts[c] += 1
    counts.update(fixed)
    return counts


class SampleGenerator:
    def __init__(self, ref, n, seed):
        self.ref, self.n, self.seed = ref, n, seed
        self.by_class, self.vocab = build_profiles(ref)
        floor = min(15, n // (2 * len(CADSES)))
        self.counts = allocate(n, ref.country_pop, floor)
        self.countries = sorted(self.counts)
        # region plan: one region index per SME, country blocks in id order
        self.region_codes = []
        rindex = {}
        for cc in self.countries:
            for c in ref.regions[cc][0]:
                rindex[c] = len(self.region_codes)
                self.region_codes.append(c)
        rng = random.Random(f"{seed}:regions")
        rnd = rng.random
        self.plan = array("H")
        self.block = {}
        start = 0
        for cc in self.countries:
            codes, weights = ref.regions[cc]
            cum = cumulate(weights)
            ids = [rindex[c] for c in codes]
            last = len(ids) - 1
            br = bisect.bisect_right
            self.plan.extend(ids[min(br(cum, rnd()), last)] for _ in range(self.counts[cc]))
            self.block[cc] = (start, start + self.counts[cc])
            start += self.counts[cc]
        # sector choice: one cumulative table over all classes
        items, weights = [], []
        div_classes = {}
        for code in sorted(ref.classes):
            div_classes.setdefault(code[:2], []).append(code)
        for sec, (share, divs) in DIVISION_WEIGHTS.items():
            dtotal = sum(divs.values())
            for d, w in divs.items():
                cl = div_classes[d]
                for code in cl:
                    items.append(code)
                    weights.append(share * w / dtotal / len(cl))
        self.sector_choice = Choice(items, weights)
        self.div_classes = div_classes
        self.sec_classes = {}
        for sec, (_, divs) in DIVISION_WEIGHTS.items():
            self.sec_classes[sec] = [c for d in sorted(divs) for c in div_classes[d]]
        self.pairs = self._plant()
        self.section_counts = Counter()

    def sme_id(self, idx):
        """The id of the SME with 0-based index idx (ids follow the country blocks)."""
        for cc in self.countries:
            lo, hi = self.block[cc]
            if lo <= idx < hi:
                return f"{cc}-{idx - lo + 1:0{max(5, len(str(hi - lo)))}d}"
        raise IndexError(idx)

    # -- planted pairs ------------------------------------------------------
    def _plant(self):
        n_pairs = min(200, self.n // 50)
        if n_pairs == 0:
            return []
        rng = random.Random(f"{self.seed}:planted")
        rnd = rng.random
        pts = [self.ref.point[c] for c in self.region_codes]
        plan = self.plan
        a_choice = Choice(self.countries, [math.sqrt(self.counts[c]) for c in self.countries])
        used = set()
        pairs = []
        for (sa, sb, coop, x, y) in planted_tags(n_pairs, self.vocab, self.ref.classes):
            found = None
            for attempt in range(2000):
                ca = a_choice(rnd())
                lo, hi = self.block[ca]
                ia = lo + int(rnd() * (hi - lo))
                if ia in used:
                    continue
                # b: a neighbouring country first, then any other country
                cands = [c for c in self.countries if c != ca and self.counts[c]
                         and (attempt >= 1500 or c in NEIGHBOURS[ca])]
                if not cands:
                    continue
                cb = cands[int(rnd() * len(cands))]
                lo, hi = self.block[cb]
                ib = lo + int(rnd() * (hi - lo))
                if ib in used:
                    continue
                km = haversine_km(pts[plan[ia]], pts[plan[ib]])
                if km > PLANT_MAX_KM and attempt < 1900:
                    continue
                found = (ia, ib, km)
                break
            if found is None:
                raise SystemExit("gen_sample: could not place a planted pair")
            ia, ib, km = found
            used.update((ia, ib))
            pairs.append(dict(a=ia, b=ib, km=km, sa=sa, sb=sb, coop=coop, x=x, y=y))
        return pairs

    # -- rows ---------------------------------------------------------------
    def rows(self):
        """Yields (id, name, region, sectors, size, employees, founded, offers, needs, coop, languages)."""
        rng = random.Random(f"{self.seed}:smes")
        rnd = rng.random
        br = bisect.bisect_right
        expo = rng.expovariate
        by_class = self.by_class
        classes = self.ref.classes
        sector_choice = self.sector_choice
        div_classes = self.div_classes
        sec_classes = self.sec_classes
        size_cum = {s: cumulate(p) for s, p in SIZE_PROBS.items()}
        size_default = cumulate(SIZE_DEFAULT)
        n_cum = cumulate([30, 35, 22, 13])          # 1..4 offers / needs
        coop_n_cum = cumulate([45, 38, 17])         # 1..3 cooperation types
        sec_n_cum = cumulate([55, 32, 13])          # 0..2 secondary sectors
        gen_off, gen_need = GENERIC_OFFERS, GENERIC_NEEDS
        n_goff, n_gneed = len(gen_off), len(gen_need)
        override = {}
        for p in self.pairs:
            override[p["a"]] = (p["sa"], [p["x"]], [p["y"]], p["coop"])
            override[p["b"]] = (p["sb"], [p["y"]], [p["x"]], p["coop"])
        region_codes = self.region_codes
        plan = self.plan
        namers = {cc: Namer(NAMING[COUNTRY_NAMING[cc]]) for cc in self.countries}
        # per region: [(language, probability)] of regional languages, probability of German
        extra_lang = [[(lang, p) for pre, lang, p in EXTRA_LANG if code.startswith(pre)] for code in region_codes]
        de_prob = [0.20 if code[:2] in CENTRAL or code.startswith(("ITH", "ITC4")) else 0.07
                   for code in region_codes]
        section_counts = self.section_counts
        idx = 0
        for cc in self.countries:
            count = self.counts[cc]
            width = max(5, len(str(count)))
            namer = namers[cc]
            official = OFFICIAL.get(cc)
            post_soc = cc in POST_SOCIALIST
            for serial in range(1, count + 1):
                sme_id = f"{cc}-{serial:0{width}d}"
                ri = plan[idx]
                region = region_codes[ri]
                ov = override.get(idx)
                idx += 1
                # sectors
                if ov:
                    sectors = [ov[0]]
                else:
                    primary = sector_choice(rnd())
                    sectors = [primary]
                    ns = br(sec_n_cum, rnd())
                    for _ in range(ns):
                        r = rnd()
                        if r < 0.90:    # same division (65%) or section (25%), else any sector
                            cl = div_classes[primary[:2]] if r < 0.65 else sec_classes[classes[primary]]
                            s = cl[int(rnd() * len(cl))]
                        else:
                            s = sector_choice(rnd())
                        if s not in sectors:
                            sectors.append(s)
                primary = sectors[0]
                section = classes[primary]
                section_counts[section] += 1
                prof = by_class[primary]
                # size and employees
                size = br(size_cum.get(section, size_default), rnd())
                employees = None
                if rnd() < EMPLOYEES_GIVEN:
                    r = rnd()
                    if size == 0:
                        employees = 1 + int(9 * r ** 1.8)
                    elif size == 1:
                        employees = 10 + int(40 * r ** 1.6)
                    elif size == 2:
                        employees = 50 + int(200 * r ** 1.6)
                    else:
                        employees = 250 + int(1500 * r ** 2.5)
                # founded
                founded = None
                if rnd() >= FOUNDED_EMPTY:
                    year = 2025 - int(expo(1.0 / (24.0 if size >= 2 else 13.0)) + 0.5)
                    if year < 1950:
                        year = 1950 + int(rnd() * 40)
                    if year < 1990 and (post_soc or (cc == "DE" and region.startswith(POST_SOCIALIST_DE))) \
                            and rnd() < 0.92:
                        year = 1990 + int(rnd() * 10)
                    founded = year
                # offers, needs, cooperation
                if ov:
                    offers, needs = ov[1], ov[2]
                    coop = [ov[3]]
                    items, cum = prof.coop
                    if rnd() < 0.5:
                        c = items[br(cum, rnd())]
                        if c != ov[3]:
                            coop.append(c)
                else:
                    profs = [prof] if len(sectors) == 1 else [by_class[s] for s in sectors]
                    np_ = len(profs)
                    k = br(n_cum, rnd()) + 1
                    offers = []
                    for _ in range(3 * k):
                        if rnd() < GENERIC_SHARE:
                            t = gen_off[int(rnd() * n_goff)]
                        else:
                            p = prof if np_ == 1 or rnd() < 0.75 else profs[1 + int(rnd() * (np_ - 1))]
                            t = p.offers[int(p.n_off * rnd() ** 1.3)]
                        if t not in offers:
                            offers.append(t)
                            if len(offers) == k:
                                break
                    k = br(n_cum, rnd()) + 1
                    needs = []
                    for _ in range(3 * k):
                        if rnd() < GENERIC_SHARE:
                            t = gen_need[int(rnd() * n_gneed)]
                        else:
                            p = prof if np_ == 1 or rnd() < 0.75 else profs[1 + int(rnd() * (np_ - 1))]
                            t = p.needs[int(p.n_need * rnd() ** 1.3)]
                        if t not in needs and t not in offers:
                            needs.append(t)
                            if len(needs) == k:
                                break
                    if not needs:       # every need was also an offer: take a generic one
                        for t in gen_need:
                            if t not in offers:
                                needs.append(t)
                                break
                    items, cum = prof.coop
                    k = br(coop_n_cum, rnd()) + 1
                    coop = []
                    for _ in range(4 * k):
                        c = items[br(cum, rnd())]
                        if c not in coop:
                            coop.append(c)
                            if len(coop) == k:
                                break
                # spelling variants of the sector codes
                r = rnd()
                if r < SPELLING_VARIANT / 2:
                    sectors_out = [classes[s] + s for s in sectors]
                elif r < SPELLING_VARIANT:
                    sectors_out = [s.replace(".", "") for s in sectors]
                else:
                    sectors_out = sectors
                # languages
                if official:
                    langs = list(official)
                else:   # BA
                    r = rnd()
                    langs = ["bs"] if r < 0.45 else ["hr"] if r < 0.65 else ["sr"] if r < 0.85 else \
                        ["bs", "hr"] if r < 0.93 else ["bs", "sr"]
                for lang, p in extra_lang[ri]:
                    if lang not in langs and rnd() < p:
                        langs.append(lang)
                if (ov or rnd() < 0.60) and "en" not in langs:
                    langs.append("en")
                if "de" not in langs and rnd() < de_prob[ri]:
                    langs.append("de")
                name = namer(rnd, prof.concept, size)
                yield (sme_id, name, region, sectors_out, SIZE_NAMES[size], employees, founded, offers, needs,
                       coop, langs)


class Shape:
    """Workload shapes for benchmarks: rewrites the rows of the default
    generator (which stay as they are when no shape option is given) with a
    random stream of its own. A long-tail vocabulary of `tags` synthetic
    keywords drawn by Zipf rank (exponent `zipf`), `offers`/`needs` of them
    per SME; every SME in one `country`'s NUTS-3 regions, or in the `regions`
    most populous NUTS-3 regions of the scope; a share `empty` of SMEs with
    no needs or no offers; `secondary` = the most secondary sectors (0..M
    drawn uniformly, from the primary's division)."""

    def __init__(self, args, gen):
        self.args, self.gen = args, gen
        self.active = bool(args.tags or args.country or args.regions or args.empty_share or
                           args.secondary is not None)
        self.rng = random.Random(f"{args.seed}:shape")
        # what the rewritten rows hold (README.md and the summary line)
        self.tags_used = set()
        self.country_counts = Counter()
        if args.tags:
            self.tag_cum = cumulate([(r + 1) ** -args.zipf for r in range(args.tags)])
            width = len(str(args.tags))
            self.tag_names = [f"kw{r:0{width}d}" for r in range(args.tags)]
        ref = gen.ref
        self.region_choice = None
        if args.country:
            cc = args.country.upper()
            if cc not in ref.regions:
                raise SystemExit(f"gen_sample: --country {args.country}: not a CADSES country")
            codes, weights = ref.regions[cc]
            self.region_choice = Choice(codes, weights)
            self.langs = list(OFFICIAL.get(cc) or ["bs"])
        elif args.regions:
            allr = sorted(((w, c) for cc in gen.countries for c, w in zip(*ref.regions[cc])), reverse=True)
            top = allr[:args.regions]
            self.region_choice = Choice([c for _, c in top], [w for w, _ in top])

    @staticmethod
    def span(text):
        lo, _, hi = text.partition("-")
        return int(lo), int(hi or lo)

    def apply(self, row):
        if not self.active:
            return row
        a, rnd = self.args, self.rng.random
        row = list(row)
        if self.region_choice:
            row[2] = self.region_choice(rnd())
            if a.country:
                row[10] = list(self.langs) + [x for x in row[10] if x not in self.langs]
        if a.secondary is not None:
            prim = row[3][0]
            cl = self.gen.div_classes.get(prim.replace(".", "")[:2]) or [prim]
            secs = [prim]
            for _ in range(int(rnd() * (a.secondary + 1))):
                c = cl[int(rnd() * len(cl))] if rnd() < 0.7 else self.gen.sector_choice(rnd())
                if c not in secs:
                    secs.append(c)
            row[3] = secs
        if a.tags:
            br, cum, names = bisect.bisect_right, self.tag_cum, self.tag_names
            last = len(names) - 1
            for col, spec in ((7, a.offers), (8, a.needs)):
                lo, hi = self.span(spec)
                k = lo + int(rnd() * (hi - lo + 1))
                tags = []
                for _ in range(4 * k):
                    t = names[min(br(cum, rnd() * cum[-1]), last)]
                    if t not in tags and (col == 7 or t not in row[7]):
                        tags.append(t)
                        if len(tags) == k:
                            break
                row[col] = tags
        if a.empty_share and rnd() < a.empty_share:
            row[7 if rnd() < 0.5 else 8] = []
        self.tags_used.update(row[7])
        self.tags_used.update(row[8])
        self.country_counts[row[2][:2]] += 1
        return tuple(row)

    def readme(self):
        """The README's section on the shape options, or "" without them."""
        if not self.active:
            return ""
        a = self.args
        what = []
        if a.tags:
            what.append(f"offers and needs drawn from a vocabulary of {a.tags:,} synthetic keywords "
                        f"(`kw...`) by Zipf rank with exponent {a.zipf:g}, {a.offers} offers and "
                        f"{a.needs} needs per SME (the profiles' tags replaced)")
        if a.country:
            what.append(f"every SME moved to a NUTS-3 region of {a.country.upper()} (by population), "
                        f"its official language(s) added")
        elif a.regions:
            what.append(f"every SME moved to one of the {a.regions} most populous NUTS-3 regions")
        if a.secondary is not None:
            what.append(f"0-{a.secondary} secondary sectors per SME, mostly from the primary's division")
        if a.empty_share:
            what.append(f"a share {a.empty_share:g} of the SMEs left with no needs or no offers")
        rows = "\n".join(f"| {cc} | {n:,} |" for cc, n in sorted(self.country_counts.items()))
        text = textwrap.fill(
            f"The rows above were drawn as described, then rewritten by the shape options (a random "
            f"stream of their own): {'; '.join(what)}. The ids keep the country of the first draw; "
            f"the region column is the one that counts. After the rewrite the file holds "
            f"{len(self.tags_used):,} distinct tags and these SMEs per country of their region:", 78)
        return f"\n## Workload shape\n\n{text}\n\n| country | SMEs |\n| --- | ---: |\n{rows}\n"

    def summary(self, gen):
        """Tags and countries for the summary line."""
        if not self.active:
            return len(gen.vocab), len(gen.countries)
        return len(self.tags_used), len(self.country_counts)


class Namer:
    """Company names: surname/place/brand + concept word + legal form."""

    def __init__(self, spec):
        self.stems = spec["stems"].split()
        self.places = spec["places"].split()
        words = spec["words"].split()
        if len(words) != len(CONCEPTS):
            raise SystemExit(f"gen_sample: naming words: {len(words)} != {len(CONCEPTS)}")
        self.words = dict(zip(CONCEPTS, words))
        self.forms = Choice([f for f, _ in spec["forms"]], [w for _, w in spec["forms"]])
        self.big = spec["big"]
        self.prefix = spec.get("prefix", False)

    def __call__(self, rnd, concept, size):
        r = rnd()
        word = self.words[concept]
        if r < 0.30:
            base = f"{self.stems[int(rnd() * len(self.stems))]} {word}"
        elif r < 0.45:
            base = f"{word} {self.stems[int(rnd() * len(self.stems))]}"
        elif r < 0.70:
            syl = BRAND_SYLLABLES
            root = syl[int(rnd() * len(syl))] + syl[int(rnd() * len(syl))]
            suf = BRAND_SUFFIX[concept]
            base = (root + suf[int(rnd() * len(suf))]).capitalize()
        elif r < 0.85:
            base = f"{self.places[int(rnd() * len(self.places))]} {word}"
        elif r < 0.93:
            base = self.stems[int(rnd() * len(self.stems))]
        else:
            a = self.stems[int(rnd() * len(self.stems))]
            b = self.stems[int(rnd() * len(self.stems))]
            base = f"{a} & {b}" if a != b else a
        form = self.big[int(rnd() * len(self.big))] if size >= 2 and rnd() < 0.4 else self.forms(rnd())
        return f"{form} {base}" if self.prefix else f"{base} {form}"


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------
CSV_HEADER = ["id", "name", "region", "sectors", "size", "employees", "founded", "offers", "needs",
              "cooperation", "languages"]


def json_record(row):
    sme_id, name, region, sectors, size, employees, founded, offers, needs, coop, langs = row
    d = {"id": sme_id, "name": name, "region": region, "sectors": sectors, "size": size}
    if employees is not None:
        d["employees"] = employees
    if founded is not None:
        d["founded"] = founded
    d["offers"] = offers
    d["needs"] = needs
    d["cooperation"] = coop
    d["languages"] = langs
    return d


def command_line(args):
    parts = ["scripts/gen_sample.py", "--n", str(args.n), "--seed", str(args.seed)]
    if args.prefix != "cadses":
        parts += ["--prefix", args.prefix]
    if args.formats != "csv,json":
        parts += ["--formats", args.formats]
    if args.no_truth:
        parts.append("--no-truth")
    if args.tags:
        parts += ["--tags", str(args.tags), "--zipf", str(args.zipf), "--offers", args.offers, "--needs", args.needs]
    for opt, v in (("--country", args.country), ("--regions", args.regions), ("--empty-share", args.empty_share),
                   ("--secondary", args.secondary)):
        if v:
            parts += [opt, str(v)]
    return " ".join(parts)


def note_text(args):
    return (f"synthetic SMEs, generated by scripts/gen_sample.py (seed {args.seed}); "
            f"not real companies")


def write_readme(path, args, gen, stats, files, shape_text=""):
    p = args.prefix
    cmd = command_line(args)
    by_country = "\n".join(f"| {cc} | {gen.counts[cc]:,} |" for cc in gen.countries)
    sec_names = {"A": "agriculture, forestry, fishing", "C": "manufacturing", "D": "energy supply",
                 "E": "water, waste, recycling", "F": "construction", "G": "wholesale and retail trade",
                 "H": "transport and storage", "I": "accommodation and food", "J": "information and communication",
                 "L": "real estate", "M": "professional, scientific, technical", "N": "administrative and support",
                 "P": "education", "Q": "health and social work", "R": "arts and recreation",
                 "S": "other services"}
    by_section = "\n".join(f"| {s} | {sec_names.get(s, '')} | {c:,} | {100.0 * c / gen.n:.1f} % |"
                           for s, c in sorted(stats["sections"].items(), key=lambda kv: (-kv[1], kv[0])))
    file_list = "\n".join(f"- `{f}`" for f in files)
    truth = ""
    if not args.no_truth:
        truth = f"""
## `{p}_planted_pairs.csv` — the ground truth

Columns `a,b,note`. {len(gen.pairs)} pairs of SMEs in two different countries (neighbouring
countries where possible, less than {PLANT_MAX_KM:.0f} km apart) were made strongly
complementary on purpose: a offers exactly what b needs and b offers exactly
what a needs, with compound tags (e.g. `titanium laser welding`) that no other
SME in the file uses; both list `en` among their languages and share at least
one cooperation type. Each SME is in at most one pair. A matcher that works
should rank b among the first partners of a and the reverse: use the pairs to
test recall, to tune weightings and in demonstrations. The `note` column says
why the two match.
"""
    text = f"""# Sample data: synthetic SMEs of the CADSES area

**The SMEs in these files are SYNTHETIC.** They were generated at random by
`scripts/gen_sample.py`; they are not real companies, and any resemblance of a
name to a real firm is a coincidence. Only the codes (NUTS 2021 regions, NACE
Rev. 2 classes), the regional population weights and the development indices
come from public statistics.

Generated with

```sh
{cmd}
```

The output depends only on these options and the reference data: the same
command writes the same bytes. Regions and sectors come from the library's
built-in tables, population weights and development indices from
`scripts/data/` (derived from Eurostat by `scripts/gen_tables.py`).

Files:

{file_list}

## `{p}_smes.csv` / `{p}_smes.json` — {gen.n:,} SMEs

| column | content |
| --- | --- |
| id | `<country>-<serial>`, e.g. `SI-00012`; unique; rows are ordered by id |
| name | invented company name with a legal form of its country (d.o.o., GmbH, S.r.l., s.r.o., Sp. z o.o., Kft., S.R.L., EOOD, I.K.E., DOOEL, sh.p.k., TOV, ...) |
| region | NUTS 2021 level-3 code (e.g. `SI041`); `BA`, `UA` and `MD` (no NUTS codes) at country level |
| sectors | `;`-separated NACE Rev. 2 classes, the primary first, 0-2 secondary; about 5% of the rows spell them `C25.62` or `2562` instead of `25.62`, to exercise the loader's normalisation |
| size | `micro`, `small`, `medium` or `large` (EU definition) |
| employees | employee count consistent with the size, or empty (about 30%) |
| founded | founding year, or empty (about 5%) |
| offers, needs | `;`-separated free-text tags (lower case) |
| cooperation | `;`-separated cooperation types sought: joint_venture, subcontracting, distribution, licensing, rnd, training, supply, services |
| languages | `;`-separated ISO 639-1 codes |

The JSON file holds the same SMEs as `{{"note": ..., "smes": [...]}}` with lists
for the list columns; `employees` and `founded` are omitted when unknown.

How the SMEs were drawn:

- **Country and region.** The SMEs are split among the CADSES countries in
  proportion to population, with a floor of {min(15, gen.n // (2 * len(CADSES)))} SMEs per country. NUTS-2
  populations are Eurostat's (tgs00096, latest year available, NUTS 2016
  codes); each NUTS-2 weight is split evenly among its NUTS-3 regions.
  Germany is limited to Bayern, Berlin, Brandenburg, Sachsen and Thüringen
  and Italy to Lombardia, the north-east, the centre and the south, the
  historic CADSES area. Bosnia and Herzegovina, western Ukraine and Moldova
  have no NUTS codes; they use rough populations (3.3, 8 and 2.6 million).
- **Sectors.** The mix of primary sectors resembles an SME economy: trade
  about 23%, professional services 15%, construction 13%, manufacturing 11%,
  accommodation and food 8%, then ICT, transport, support services, real
  estate, health and the rest.
- **Offers and needs.** Each NACE division (or group) has a list of tags it
  typically offers and a list it typically needs, linked across sectors (a
  machine shop offers `cnc machining` and needs `steel supply`; a winery
  offers `wine` and needs `glass bottles` and `tourism packages`); every
  needed tag is offered by some sector. About 10% of the tags are generic
  (`export distribution`, `eu funding advice`, ...). Vocabulary: {len(gen.vocab)} tags.
- **Cooperation types** fit the sector (manufacturers: subcontracting and
  supply; services: services and training; ...).
- **Languages**: the official language(s), English for about 60%, German
  for about 20% in central Europe, and regional languages where they are
  spoken (Italian on the Slovenian and Croatian coast, Hungarian in
  Vojvodina, southern Slovakia and Transylvania, Russian in Ukraine and
  Moldova, ...).

SMEs per country:

| country | SMEs |
| --- | ---: |
{by_country}

Primary sector by NACE section:

| section | | SMEs | share |
| --- | --- | ---: | ---: |
{by_section}
{shape_text}{truth}
## `{p}_development.csv` — development indices

Columns `region,development,source`: GDP per head in purchasing power
standards, EU27 = 100.

- Country rows (NUTS 0): Eurostat table tec00114, latest year available.
- NUTS-2 rows: the country index × (regional GDP per inhabitant / national GDP
  per inhabitant of the same year), from Eurostat tgs00003 (regional GDP) and
  tgs00096 (population). This assumes the same price level throughout a
  country. There is a row for every NUTS-2 region of these countries with
  data (all of Germany and Italy, not only the CADSES part); NUTS-2 codes
  that do not exist in NUTS 2021 (e.g. HR04, so HR02, HR05 and HR06 have no
  row) are left out; BA, UA and MD have no figures.

These are figures from Eurostat, taken from an educational repackaging of
Eurostat data, and are used here **for demonstration only**; use the original
Eurostat tables for any real analysis.

## Sources and attribution

- Administrative units: NUTS 2021, © EuroGeographics for the administrative
  boundaries; source: Eurostat, GISCO.
- Classification of economic activities: NACE Rev. 2, Eurostat.
- Population and development indices: Eurostat (tec00114, tgs00003,
  tgs00096), quoted as Eurostat's figures from an educational repackaging,
  for demonstration only.
"""
    Path(path).write_text(text, encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate the synthetic CADSES sample SMEs of smartmatch.")
    ap.add_argument("--data", default=str(REPO / "scripts" / "data"),
                    help="directory of population.csv and development.csv (default: scripts/data)")
    ap.add_argument("--n", type=int, default=2000, help="number of SMEs (default 2000)")
    ap.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    ap.add_argument("--out-dir", default=str(REPO / "examples" / "data"),
                    help="output directory (default: examples/data in the repository)")
    ap.add_argument("--prefix", default="cadses", help="file name prefix (default cadses)")
    ap.add_argument("--formats", default="csv,json", help="SME file formats: csv, json or both (default csv,json)")
    ap.add_argument("--no-truth", action="store_true", help="do not write the planted-pairs file")
    shape = ap.add_argument_group("workload shapes (benchmarks; without them the default rows)")
    shape.add_argument("--tags", type=int, default=0,
                       help="a vocabulary of this many synthetic tags drawn by Zipf rank (0 = the profiles' tags)")
    shape.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of the tag ranks (default 1.0)")
    shape.add_argument("--offers", default="1-5", help="offers per SME with --tags: LO-HI (default 1-5)")
    shape.add_argument("--needs", default="1-4", help="needs per SME with --tags: LO-HI (default 1-4)")
    shape.add_argument("--country", help="every SME in this country's NUTS-3 regions (e.g. SI)")
    shape.add_argument("--regions", type=int, default=0, help="every SME in the N most populous NUTS-3 regions")
    shape.add_argument("--empty-share", type=float, default=0.0,
                       help="share of SMEs with no needs or no offers (0..1)")
    shape.add_argument("--secondary", type=int, help="secondary sectors per SME: 0..M, drawn uniformly")
    args = ap.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not formats or any(f not in ("csv", "json") for f in formats):
        ap.error("--formats: csv, json or csv,json")
    if args.n < len(CADSES):
        ap.error(f"--n must be at least {len(CADSES)}")
    t0 = time.monotonic()
    ref = Reference(args.data)
    gen = SampleGenerator(ref, args.n, args.seed)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = args.prefix
    files = []
    fcsv = fjson = None
    try:
        if "csv" in formats:
            files.append(f"{p}_smes.csv")
            fcsv = open(out / f"{p}_smes.csv", "w", newline="", encoding="utf-8")
            w = csv.writer(fcsv, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(CSV_HEADER)
        if "json" in formats:
            files.append(f"{p}_smes.json")
            fjson = open(out / f"{p}_smes.json", "w", encoding="utf-8", newline="\n")
            fjson.write('{\n "note": ' + json.dumps(note_text(args), ensure_ascii=False) + ',\n "smes": [')
        first = True
        join = ";".join
        shaper = Shape(args, gen)
        for row in gen.rows():
            row = shaper.apply(row)
            if fcsv:
                w.writerow((row[0], row[1], row[2], join(row[3]), row[4],
                            "" if row[5] is None else row[5], "" if row[6] is None else row[6],
                            join(row[7]), join(row[8]), join(row[9]), join(row[10])))
            if fjson:
                text = json.dumps(json_record(row), ensure_ascii=False, indent=1)
                fjson.write(("\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
                first = False
        if fjson:
            fjson.write("\n ]\n}\n" if not first else "]\n}\n")
    finally:
        for f in (fcsv, fjson):
            if f:
                f.close()
    dev = ref.development()
    files.append(f"{p}_development.csv")
    with open(out / f"{p}_development.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["region", "development", "source"])
        w.writerows(dev)
    if not args.no_truth:
        files.append(f"{p}_planted_pairs.csv")
        with open(out / f"{p}_planted_pairs.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["a", "b", "note"])
            for pr in gen.pairs:
                a, b = gen.sme_id(pr["a"]), gen.sme_id(pr["b"])
                note = (f"{a} offers '{pr['x']}' that {b} needs; {b} offers '{pr['y']}' that {a} needs "
                        f"({a[:2]} to {b[:2]} {pr['km']:.0f} km; common: en + {pr['coop']})")
                w.writerow([a, b, note])
    files.append("README.md")
    write_readme(out / "README.md", args, gen, {"sections": gen.section_counts}, files, shaper.readme())
    dt = time.monotonic() - t0
    n_tags, n_countries = shaper.summary(gen)
    print(f"gen_sample: {args.n:,} SMEs in {n_countries} {'country' if n_countries == 1 else 'countries'}, {len(gen.pairs)} planted pairs, "
          f"{n_tags:,} tags in the vocabulary, {len(dev)} development rows; {dt:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
