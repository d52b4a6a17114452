"""Builds assets/examples/digits from ../shared/data (needs numpy). Run from the repo root."""
import gzip

import numpy as np

SHARED = "../shared/data"
OUT = "assets/examples/digits"

rows = np.loadtxt(gzip.open(f"{SHARED}/sklearn-digits/digits.csv.gz"), delimiter=",")[:500]
pix = rows[:, :64].reshape(-1, 8, 8)
lab = rows[:, 64].astype(int)
emb = np.load(f"{SHARED}/class-name-embeddings/mnist_digits_minilm_l6_v2.npy")
left = pix[:, :, :4].reshape(len(rows), 32)
right = pix[:, :, 4:].reshape(len(rows), 32)
head = lambda cols: ",".join(f"p{r}_{c}" for r in range(8) for c in cols)
np.savetxt(f"{OUT}/left.csv", left, fmt="%d", delimiter=",", header=head(range(4)), comments="")
np.savetxt(f"{OUT}/right.csv", right, fmt="%d", delimiter=",", header=head(range(4, 8)), comments="")
np.save(f"{OUT}/label_embedding.npy", emb[lab].astype(np.float32))
np.savetxt(f"{OUT}/labels.csv", lab, fmt="%d", header="label", comments="")
