#!/usr/bin/env python3
# gen-ai-table.py: writes the AI table C source from the GS1 Barcode Syntax Dictionary
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: gen-ai-table.py gs1-syntax-dictionary.txt > app/gs1/agg-gs1-table.c
#
# Anything in the dictionary that this script does not understand stops it:
# a silently dropped linter or attribute would weaken every check that
# relies on the table.

import re
import sys
from dataclasses import dataclass

# The AggGs1Lint values of agg-gs1-private.h, by their dictionary name.
KNOWN_LINTERS = (
    'csum', 'csumalpha', 'gcppos1', 'gcppos2', 'yymmd0', 'yymmdd', 'yyyymmdd',
    'hhmi', 'hh', 'mi', 'ss', 'iso3166', 'iso3166alpha2', 'iso3166999',
    'iso4217', 'iso5218', 'pcenc', 'hyphen', 'yesno', 'latitude', 'longitude',
    'importeridx', 'packagetype', 'mediatype', 'nonzero', 'winding', 'zero',
    'pieceoftotal', 'iban', 'nozeroprefix', 'hasnondigit', 'couponcode',
    'couponposoffer', 'posinseqslash',
)

CSETS = {'N': 'AGG_GS1_CSET_N', 'X': 'AGG_GS1_CSET_X',
         'Y': 'AGG_GS1_CSET_Y', 'Z': 'AGG_GS1_CSET_Z'}

# Limits of AggGs1AiInfo and of the GS1 General Specifications.
MAX_COMPONENTS = 5
MAX_LINTS = 3
MAX_VALUE = 90

# Every character the dictionary reserves for flags; only two are defined.
FLAG_CHARS = set('*!?"$%&\'()+,-./:;<=>@[\\]^_`{|}~')
KNOWN_FLAGS = {'*', '?'}

RELEASE_RE = re.compile(r'^#\s*Release:\s*(\S+)\s*$')
AIS_RE = re.compile(r'^(\d{2,4})(?:-(\d{2,4}))?$')
COMPONENT_RE = re.compile(
    r'^(?P<open>\[)?(?P<cset>[NXYZ])(?:(?P<fixed>\d+)|\.\.(?P<max>\d+))'
    r'(?P<close>\])?(?P<lints>(?:,[a-z0-9]+)*)$')
COMPONENT_START_RE = re.compile(r'^[\[A-Z]')
ATTRIBUTE_RE = re.compile(r'^(?P<key>[a-z]+)(?:=(?P<value>\S+))?$')
AI_LIST_RE = re.compile(r'^[0-9n]{2,4}(?:\+[0-9n]{2,4})*(?:,[0-9n]{2,4}(?:\+[0-9n]{2,4})*)*$')
DLPKEY_RE = re.compile(r'^\d{2,4}(?:,\d{2,4})*(?:\|\d{2,4}(?:,\d{2,4})*)*$')


class DictionaryError(Exception):
    pass


@dataclass
class Component:
    cset: str
    min_len: int
    max_len: int
    optional: bool
    lints: list


@dataclass
class Entry:
    ai: str
    predefined: bool
    dl_attribute: bool
    components: list
    req: str
    ex: str
    dlpkey: str
    title: str


def expand_ais(token):
    match = AIS_RE.match(token)
    if not match:
        raise DictionaryError(f'bad AI or AI range "{token}"')
    first, last = match.group(1), match.group(2) or match.group(1)
    if len(first) != len(last) or int(first) > int(last):
        raise DictionaryError(f'bad AI range "{token}"')
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def parse_flags(token):
    unknown = set(token) - KNOWN_FLAGS
    if unknown:
        raise DictionaryError(f'unknown flag(s) "{"".join(sorted(unknown))}"')
    if len(set(token)) != len(token):
        raise DictionaryError(f'repeated flag in "{token}"')
    return '*' in token, '?' in token


def parse_component(token):
    match = COMPONENT_RE.match(token)
    if not match:
        raise DictionaryError(f'unknown component syntax "{token}"')
    if bool(match.group('open')) != bool(match.group('close')):
        raise DictionaryError(f'unbalanced brackets in "{token}"')
    if match.group('fixed'):
        min_len = max_len = int(match.group('fixed'))
    else:
        min_len, max_len = 1, int(match.group('max'))
    if not 1 <= max_len <= MAX_VALUE:
        raise DictionaryError(f'bad length in "{token}"')
    lints = [name for name in match.group('lints').split(',') if name]
    for name in lints:
        if name not in KNOWN_LINTERS:
            raise DictionaryError(f'unknown linter "{name}"')
    if len(lints) > MAX_LINTS:
        raise DictionaryError(f'more than {MAX_LINTS} linters in "{token}"')
    return Component(match.group('cset'), min_len, max_len, bool(match.group('open')), lints)


def parse_attributes(tokens):
    req, ex, dlpkey = [], [], None
    for token in tokens:
        match = ATTRIBUTE_RE.match(token)
        if not match:
            raise DictionaryError(f'unknown attribute syntax "{token}"')
        key, value = match.group('key'), match.group('value')
        if key == 'req' and value is not None:
            if not AI_LIST_RE.match(value):
                raise DictionaryError(f'bad req value "{value}"')
            req.append(value)
        elif key == 'ex' and value is not None:
            if not AI_LIST_RE.match(value) or '+' in value:
                raise DictionaryError(f'bad ex value "{value}"')
            ex.append(value)
        elif key == 'dlpkey':
            if dlpkey is not None:
                raise DictionaryError('repeated dlpkey attribute')
            if value is not None and not DLPKEY_RE.match(value):
                raise DictionaryError(f'bad dlpkey value "{value}"')
            dlpkey = value if value is not None else ''
        else:
            raise DictionaryError(f'unknown attribute "{token}"')
    return (' '.join(req) or None, ','.join(ex) or None, dlpkey)


def check_components(components):
    if not components:
        raise DictionaryError('no components')
    if len(components) > MAX_COMPONENTS:
        raise DictionaryError(f'more than {MAX_COMPONENTS} components')
    for i, component in enumerate(components):
        last = i == len(components) - 1
        if component.min_len != component.max_len and not last:
            raise DictionaryError('a variable-length component is not the last one')
        if i > 0 and components[i - 1].optional and not component.optional:
            raise DictionaryError('a mandatory component follows an optional one')
    if components[0].optional:
        raise DictionaryError('the first component is optional')
    if sum(c.max_len for c in components) > MAX_VALUE:
        raise DictionaryError(f'longer than {MAX_VALUE} characters')


def parse_line(line):
    spec, _, title = line.partition('#')
    tokens = spec.split()
    ais = expand_ais(tokens.pop(0))
    predefined = dl_attribute = False
    if tokens and set(tokens[0]) <= FLAG_CHARS:
        predefined, dl_attribute = parse_flags(tokens.pop(0))
    # Components start with a character set letter or "[", attributes with
    # a lower-case key.
    components = []
    while tokens and COMPONENT_START_RE.match(tokens[0]):
        components.append(parse_component(tokens.pop(0)))
    check_components(components)
    req, ex, dlpkey = parse_attributes(tokens)
    if predefined and any(c.min_len != c.max_len or c.optional for c in components):
        raise DictionaryError('a predefined-length AI has a variable length')
    return [Entry(ai, predefined, dl_attribute, components, req, ex, dlpkey, title.strip())
            for ai in ais]


def parse_dictionary(path):
    release = None
    entries = {}
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\n')
            try:
                if line.startswith('#') or not line.strip():
                    match = RELEASE_RE.match(line)
                    if match:
                        if release is not None:
                            raise DictionaryError('repeated Release line')
                        release = match.group(1)
                    continue
                for entry in parse_line(line):
                    if entry.ai in entries:
                        raise DictionaryError(f'AI {entry.ai} defined twice')
                    entries[entry.ai] = entry
            except DictionaryError as e:
                raise DictionaryError(f'{path}:{number}: {e}') from None
    if release is None:
        raise DictionaryError(f'{path}: no "Release:" line')
    if not entries:
        raise DictionaryError(f'{path}: no AI entries')
    return release, [entries[ai] for ai in sorted(entries)]


def c_string(text):
    if text is None:
        return 'NULL'
    # Escaping every "?" keeps "??x" from ever reading as a trigraph.
    escaped = text.replace('\\', '\\\\').replace('"', '\\"').replace('?', '\\?')
    return f'"{escaped}"'


def c_component(component, indent):
    lints = (', '.join(f'AGG_GS1_LINT_{name.upper()}' for name in component.lints)
             or 'AGG_GS1_LINT_NONE')
    head = (f'{indent}{{ {CSETS[component.cset]}, {component.min_len}, {component.max_len}, '
            f'{int(component.optional)},')
    if len(head) + len(lints) + 10 > 100:
        return f'{head}\n{indent}  {{ {lints} }} }},\n'
    return f'{head} {{ {lints} }} }},\n'


def write_table(release, entries, out):
    out.write(f'''/* agg-gs1-table.c: the GS1 Application Identifier table
 *
 * Generated by build-aux/gen-ai-table.py from the GS1 Barcode Syntax
 * Dictionary release {release}.  Do not edit by hand: run the generator
 * again on a newer dictionary instead.
 *
 * The facts in this table come from the GS1 Barcode Syntax Dictionary,
 * Copyright (c) GS1 AISBL and the BWIPP and Zint projects, published under
 * the Apache License, Version 2.0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later AND Apache-2.0
 */

#include "agg-gs1-private.h"

const AggGs1AiInfo agg_gs1_ai_table[] = {{
''')
    for entry in entries:
        min_len = sum(c.min_len for c in entry.components if not c.optional)
        max_len = sum(c.max_len for c in entry.components)
        out.write(f'  {{\n    .ai = "{entry.ai}", .ai_len = {len(entry.ai)}, '
                  f'.predefined_length = {int(entry.predefined)}, '
                  f'.dl_attribute = {int(entry.dl_attribute)},\n')
        out.write(f'    .n_components = {len(entry.components)}, .components = {{\n')
        for component in entry.components:
            out.write(c_component(component, '      '))
        out.write(f'    }},\n    .min_len = {min_len}, .max_len = {max_len},\n')
        out.write(f'    .req = {c_string(entry.req)}, .ex = {c_string(entry.ex)}, '
                  f'.dlpkey = {c_string(entry.dlpkey)},\n')
        out.write(f'    .title = {c_string(entry.title)},\n  }},\n')
    out.write('};\n\nconst guint agg_gs1_ai_table_n_entries = G_N_ELEMENTS (agg_gs1_ai_table);\n')


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(f'usage: {argv[0]} gs1-syntax-dictionary.txt > agg-gs1-table.c\n')
        return 2
    try:
        release, entries = parse_dictionary(argv[1])
    except (DictionaryError, OSError, UnicodeDecodeError) as e:
        sys.stderr.write(f'{argv[0]}: {e}\n')
        return 1
    write_table(release, entries, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
