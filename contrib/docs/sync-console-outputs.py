#!/usr/bin/env python3
"""sync-console-outputs.py DOC TRANSCRIPT [--check]

The "# COMMAND" lines of DOC's ```console blocks against a transcript of "$ COMMAND", output,
"[exit N]" (contrib/docs/check-operations.sh): the n-th occurrence of a command on the page is
the n-th run of it. Replaces each command's output on the page by the transcript's, or with
--check only reports. Exits 1 when the page shows a command that was not run."""
import re, sys
doc_path, tr_path = sys.argv[1], sys.argv[2]
check = "--check" in sys.argv[3:]
tr = open(tr_path).read().split('\n')
outputs = {}
i = 0
while i < len(tr):
    if tr[i].startswith('$ '):
        cmd = tr[i][2:]
        j = i + 1
        out = []
        while j < len(tr) and not re.search(r'\[exit \d+\]$', tr[j]):
            out.append(tr[j]); j += 1
        # "c1 d6:result4:ponge[exit 0]": output without a final line feed
        if j < len(tr) and not tr[j].endswith('[exit 0]'):
            print('note: exit status', tr[j][tr[j].rindex('[exit ') + 6:-1], 'from', cmd, file=sys.stderr)
        last = tr[j][:tr[j].index('[exit ')] if j < len(tr) else ''
        if last:
            out.append(last)
        outputs.setdefault(cmd, []).append(out)
        i = j + 1
    else:
        i += 1
doc = open(doc_path).read().split('\n')
res = []
seen = {}
in_console = False
k = 0
missing = []
while k < len(doc):
    line = doc[k]
    stripped = line.lstrip(' ')
    if stripped.startswith('```console'):
        in_console = True; indent = line[:len(line) - len(stripped)]; res.append(line); k += 1; continue
    if in_console and stripped.startswith('```'):
        in_console = False; res.append(line); k += 1; continue
    if in_console and stripped.startswith('# '):
        cmd = stripped[2:]
        res.append(line)
        k += 1
        while k < len(doc) and not doc[k].lstrip(' ').startswith('# ') and not doc[k].lstrip(' ').startswith('```'):
            k += 1
        n = seen.get(cmd, 0); seen[cmd] = n + 1
        if cmd in outputs and n < len(outputs[cmd]):
            res.extend((indent + o) if o else o for o in outputs[cmd][n])
        else:
            missing.append(cmd)
        continue
    res.append(line); k += 1
if not check:
    open(doc_path, 'w').write('\n'.join(res))
for m in missing:
    print('NOT RUN:', m)
print('%s: %d commands shown, %d run%s' % (doc_path, sum(seen.values()), sum(seen.values()) - len(missing),
                                          '' if check else ', outputs updated'))
sys.exit(1 if missing else 0)
