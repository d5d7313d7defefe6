"""Independent check of the near-identical question measure (crates/bank/src/similarity.rs,
the validator's `similar-text` warning).

Plain Python and NumPy, no project code, from the definition in docs/item-bank.md (section
"Sets and near-identical questions"): content words of the French question (canonical
decomposition, combining marks removed, lower case, split on every character that is not a letter
or a digit, words of one character and the function words below left out); TF-IDF weights
tf × ln(N / df) over the questions compared (Salton & Buckley 1988); cosine of the weight vectors.

Two modes:
  python3 tests/reference/similarity_reference.py --snapshot item-bank > tests/data/similarity/questions.csv
      writes the French question of every item not archived (id, question), read with tomllib;
  python3 tests/reference/similarity_reference.py > tests/reference/similarity_reference.out
      prints every pair of tests/data/similarity/questions.csv whose similarity is at least 0.40
      (id, id, similarity), most similar first.
"""
import csv
import os
import re
import sys
import tomllib
import unicodedata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SNAPSHOT = os.path.join(HERE, "..", "data", "similarity", "questions.csv")
FLOOR = 0.40

STOP = set("""
a au aux avec ce ces cet cette dans de des du elle en est et etre il ils je la le les leur leurs
lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur
ta te tes toi ton tu un une vos votre vous quel quelle quels quelles lequel laquelle lesquels
lesquelles faites faire fait plus moins tout tous toute toutes sont ont avez etes peut doit cela
ceci comme dont si sans sous entre apres avant chez aussi alors bien encore deja ici ni non oui
plusieurs reponses reponse vrai faux
""".split())


def snapshot(bank):
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "question"])
    for root, dirs, files in os.walk(bank):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "panel")
        for f in sorted(files):
            if not f.endswith(".toml") or f == "framework.toml" or f.startswith("."):
                continue
            data = tomllib.load(open(os.path.join(root, f), "rb"))
            for item in data.get("item", []):
                if item.get("status") != "archived":
                    out.writerow([item["id"], item["fr"]["question"]])


def words(text):
    folded = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()
    return [w for w in re.split(r"[^\w]|_", folded) if len(w) > 1 and w not in STOP]


def main():
    rows = list(csv.DictReader(open(SNAPSHOT, newline="")))
    docs = [words(r["question"]) for r in rows]
    vocab = sorted({w for d in docs for w in d})
    index = {w: k for k, w in enumerate(vocab)}
    tf = np.zeros((len(docs), len(vocab)))
    for i, d in enumerate(docs):
        for w in d:
            tf[i, index[w]] += 1
    df = (tf > 0).sum(axis=0)
    weights = tf * np.log(len(docs) / df)
    norms = np.linalg.norm(weights, axis=1)
    norms[norms == 0] = 1
    unit = weights / norms[:, None]
    sim = unit @ unit.T
    pairs = [
        (sim[i, j], rows[i]["id"], rows[j]["id"])
        for i in range(len(rows))
        for j in range(i + 1, len(rows))
        if sim[i, j] >= FLOOR
    ]
    print(f"# {len(rows)} questions, {len(vocab)} content words, pairs at least {FLOOR}")
    for s, a, b in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        print(f"{a},{b},{s:.12f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--snapshot":
        snapshot(sys.argv[2])
    else:
        main()
