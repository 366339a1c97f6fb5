#!/usr/bin/env python3
"""Expected renders for ChatTemplateJinjaTest, from Python Jinja2 set up as transformers sets it up
for apply_chat_template: ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the
loopcontrols extension, globals raise_exception and strftime_now, tojson = json.dumps(ensure_ascii=False),
render(messages=..., tools=None, documents=None, add_generation_prompt=..., **kwargs).

Usage: python3 scripts/chat_template_cases.py > reference-engine/src/test/resources/dev/trit/engine/chat/jinja-cases.json
(needs jinja2 >= 3.1). Cases marked "engine_rejects" render in Python but the engine refuses them
on purpose (Jinjava would render them differently); the test expects a one-line error there.
"""
import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class Generation(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: renders its body (transformers only records where)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, Generation])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception
ENV.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "  Hi there!\n"},
    {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello — café?"},
    {"role": "user", "content": "Say 'x' and \"y\"."},
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in é \"city\"\n",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 3},
                                                           "ratio": {"type": "number", "default": 1.5}, "tiny": {"type": "number", "default": 1e-05},
                                                           "big": {"type": "number", "default": 1e16}, "flag": {"type": "boolean", "default": True},
                                                           "empty": {}, "list": []},
                         "required": ["city"]}}}]

CASES = [
    ("kwarg_precedence", "{% set ns = namespace(found=false, last=messages|length - 1) %}{{ ns.last }}|"
     "{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor %}"
     "{% if ns.found %}found {{ ns.last_user }}{% endif %}", {}),
    ("reverse_loop", "{% for m in messages[::-1] %}{{ loop.index0 }}:{{ m.role }};{% endfor %}", {}),
    ("reverse_loop_index", "{%- for message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n"
     "    {%- if message.role == 'user' %}{{ index }},{% endif %}\n{%- endfor %}", {}),
    ("str_methods", "{{ ' a  b '.split()|join('|') }}/{{ messages[2].content.split('</think>')[-1].lstrip('\\n') }}/"
     "{{ messages[2].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}/{{ '\\n\\nr\\n'.strip('\\n') }}/"
     "{% if 'abc'.startswith('a') and 'abc'.endswith(('x', 'c')) and not 'abc'.startswith('b') %}ok{% endif %}/"
     "{{ 'a-b-c'.rsplit('-', 1)|join(',') }}/{{ 'a-b-c'.split('-', 1)|join(',') }}/{{ 'hello wORLD'.title() }}/{{ 'aXb'.upper() }}{{ 'aXb'.lower() }}/"
     "{{ 'aaa'.replace('a', 'b', 2) }}/{{ ', '.join(['x', 'y']) }}/{{ 'hEllo'.capitalize() }}/{{ messages[1].content.strip() }}", {}),
    ("trim_unicode", "[{{ '\u00a0 x\u3000\\t'|trim }}][{{ messages[1].content|trim }}][{{ 'xxaxx'|trim('x') }}]", {}),
    ("filters", "{{ 'hELLO wORLD'|capitalize }}/{{ 'hELLO wORLD'|title }}/{{ messages|length }}/{{ messages|map(attribute='role')|join(',') }}/"
     "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}/{{ messages[0].content|upper }}/{{ 'a,b'|replace(',', ';') }}/"
     "{{ [3, 1, 2]|sort|join }}/{{ (messages|last).role }}/{{ messages|first|length }}/{{ foo|default('dflt') }}", {}),
    ("tojson", "{{ tools|tojson }}\n{{ tools|tojson(indent=4) }}\n{{ tools[0]|tojson(sort_keys=true) }}\n{{ messages[2].content|tojson }}\n"
     "{{ tools[0].function.parameters.required|tojson(separators=(',', ':')) }}", {"tools": TOOLS}),
    ("repr", "{{ ['a', 1] }} {{ {'k': 'v'} }} {{ messages[0] }}", {}),
    ("whitespace", "{# comment #}\n{% for m in messages %}\n    {% if m.role == 'user' %}\n        U:{{ m.content }}\n    {% else %}\n"
     "  {{- m.role -}}  \n    {% endif %}\n{% endfor %}\n  {%- if add_generation_prompt %}\n\tA:\n{% endif %}\n{#- tail -#}\n  end  \n", {}),
    ("whitespace_plus", "a\n  {%+ if true %}b{% endif %}\n  {{ 'c' }}\n{% if true -%}\n   d\n{%- endif %}\n", {}),
    ("loop_vars", "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}/{{ loop.length }}"
     "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{% if not loop.last %},{% endif %}{% endfor %}", {}),
    ("generation_tag", "{% for m in messages %}{% if m.role == 'assistant' %}{%- generation -%}\n  {{ m.content }}\n  {%- endgeneration %}"
     "{% else %}{{ m.content }}{% endif %}\n{% endfor %}", {}),
    ("raise", "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}x", {}),
    ("loopcontrols", "{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{% if loop.index0 == 3 %}{% break %}{% endif %}"
     "{{ m.role }};{% endfor %}", {}),
    ("set_block", "{% set x %}abc{{ messages|length }}{% endset %}[{{ x }}]", {}),
    ("macro", "{% macro fmt(m, sep=': ') %}{{ m.role }}{{ sep }}{{ m.content|trim }}{% endmacro %}"
     "{% for m in messages %}{{ fmt(m) }}|{{ fmt(m, sep='=') }}\n{% endfor %}", {}),
    ("defined_none", "{% if foo is defined %}D{% else %}U{% endif %}{% if tools is none %}N{% endif %}{% if not tools %}F{% endif %}"
     "{% if tools is not none %}T{% endif %}{% if strftime_now is defined %}S{% endif %}{% if enable_thinking is defined and enable_thinking is false %}E{% endif %}", {}),
    ("enable_thinking", "{% if enable_thinking is defined and enable_thinking is false %}no-think{% endif %}", {"enable_thinking": False}),
    ("strftime", "{{ strftime_now('%Y')|length }}", {}),
    ("operators", "{{ 'a' + 'b' ~ 1 }}/{{ 7 // 2 }}/{{ 7 % 3 }}/{{ 2 ** 5 }}/{{ 'x' if messages|length > 2 else 'y' }}/"
     "{% if '</think>' in messages[2].content %}in{% endif %}/{% if 'role' in messages[0] %}key{% endif %}/{% if 'zz' not in 'abc' %}notin{% endif %}/"
     "{{ messages[1:]|length }}/{{ messages[:-1]|length }}/{{ 'abcdef'[1:3] }}/{{ messages[-1].role }}/{{ (messages|length) * 2 - 1 }}", {}),
    ("items", "{% for k, v in messages[0].items() %}{{ k }}={{ v }};{% endfor %}", {}),
    ("is_tests", "{% for v in ['s', 1, [1], {'a': 1}] %}{% if v is string %}S{% endif %}{% if v is mapping %}M{% endif %}"
     "{% if v is iterable %}I{% endif %}{% if v is sequence %}Q{% endif %}{% if v is number %}N{% endif %};{% endfor %}", {}),
    ("bos_eos", "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", {"bos_token": "<s>", "eos_token": "</s>"}),
    ("not_precedence", "{% if not date_string is defined %}A{% endif %}{% if not 1 == 2 %}B{% endif %}{% if not 'a' in 'abc' %}C{% endif %}"
     "{% if x is not defined and not y %}D{% endif %}{{ 'E' if not messages|length > 5 else 'F' }}{% set t = not not true %}{% if t %}G{% endif %}"
     "{% if not (messages[0].role == 'user') and not messages[1].content.startswith('x') or false %}H{% endif %}"
     "{% if not tools_in_user_message is defined %}{% set tools_in_user_message = true %}{% endif %}{% if tools_in_user_message %}T{% else %}F{% endif %}",
     {"date_string": "26 Jul 2024", "tools_in_user_message": False}),
    ("loop_filter", "{% for m in messages if m.role == 'user' %}{{ loop.index }}{{ m.content|trim }};{% endfor %}", {}, "engine_rejects"),
    ("step_slice", "{{ messages[::2]|length }}", {}, "engine_rejects"),
    ("unknown_filter", "{{ messages|nosuchfilter }}", {}),
    ("unknown_function", "{{ nosuchfunction(1) }}", {}),
]


def main():
    out = []
    for case in CASES:
        name, template, kwargs = case[:3]
        entry = {"name": name, "template": template, "kwargs": kwargs, "messages": CHAT}
        if len(case) > 3:
            entry[case[3]] = True
        try:
            entry["expected"] = ENV.from_string(template).render(messages=CHAT, tools=kwargs.get("tools"), documents=None,
                                                                 add_generation_prompt=True,
                                                                 **{k: v for k, v in kwargs.items() if k != "tools"})
        except Exception as e:  # noqa: BLE001 - the case records that Python fails
            entry["python_error"] = f"{type(e).__name__}: {e}"
        out.append(entry)
    json.dump({"jinja2": jinja2.__version__, "cases": out}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
