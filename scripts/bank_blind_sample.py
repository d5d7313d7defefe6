"""Usage: python3 scripts/bank_blind_sample.py SEED OUTDIR  (from the repository root)

Draw the blind sample: 48 live items, 3 per competence, levels spread over 1-7 (each competence
gets 3 distinct levels; over 16 competences every level appears 6-7 times), one item at random in
each chosen cell. Seed fixed and recorded. Run from a worktree root (reads item-bank/ via jauge)."""
import random, sys, collections
seed = sys.argv[1]
rng = random.Random(seed)
# all live items with level: use bank stats? the panel report lists only rated items; read TOML instead
import glob, re
items = []
for f in sorted(glob.glob('item-bank/*/*.toml')):
    if f.endswith('framework.toml'): continue
    comp = f.split('/')[1]
    cur = {}
    for l in open(f):
        m = re.match(r'id = "([^"]+)"', l)
        if m: cur = {'id': m.group(1), 'comp': comp}; items.append(cur)
        m = re.match(r'level = (\d)', l)
        if m and cur and 'level' not in cur: cur['level'] = int(m.group(1))
        m = re.match(r'status = "([a-z]+)"', l)
        if m and cur and 'status' not in cur: cur['status'] = m.group(1)
live = [i for i in items if i.get('status', 'live') == 'live' and 'level' in i]
comps = sorted(set(i['comp'] for i in live))
levels = [1, 2, 3, 4, 5, 6, 7] * 7
rng.shuffle(levels)
# give each competence 3 distinct levels, greedily from the shuffled pool
plan = {}
pool = collections.Counter(levels[:48])
for c in comps:
    choice = []
    for L in sorted(pool, key=lambda L: (-pool[L], rng.random())):
        if len(choice) == 3: break
        if pool[L] > 0: choice.append(L)
    for L in choice: pool[L] -= 1
    plan[c] = sorted(choice)
rows = []
for c in comps:
    for L in plan[c]:
        cell = sorted(i['id'] for i in live if i['comp'] == c and i['level'] == L)
        rows.append((c, L, rng.choice(cell)))
with open(sys.argv[2] + '/sample.csv', 'w') as o:
    o.write('competence,level,item\n')
    for r in rows: o.write('%s,%d,%s\n' % r)
open(sys.argv[2] + '/items.txt', 'w').write('\n'.join(r[2] for r in rows) + '\n')
print(collections.Counter(r[1] for r in rows), len(rows))
