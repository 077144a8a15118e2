# %% [markdown] expect={"lose": []}
# Right, another way: question 3 written as loops over heads and positions, one equation per
# line, with math.exp.

# %% replace="simplified_encoder_layer"
import math


def simplified_encoder_layer(X, WQ, WK, WV, W):
    T, H = len(X), len(WQ)
    Z = []
    for t in range(T):
        concat = []
        for h in range(H):
            q = [sum(WQ[h][i][j] * X[t][j] for j in range(len(X[t]))) for i in range(len(WQ[h]))]
            keys = [
                [sum(WK[h][i][j] * X[s][j] for j in range(len(X[s]))) for i in range(len(WK[h]))]
                for s in range(T)
            ]
            vals = [
                [sum(WV[h][i][j] * X[s][j] for j in range(len(X[s]))) for i in range(len(WV[h]))]
                for s in range(T)
            ]
            alpha = [sum(ki * qi for ki, qi in zip(keys[s], q)) for s in range(T)]
            m = max(alpha)
            e = [math.exp(a - m) for a in alpha]
            beta = [x / sum(e) for x in e]
            a = [sum(beta[s] * vals[s][i] for s in range(T)) for i in range(len(q))]
            concat += [a[i] + q[i] for i in range(len(q))]
        Z.append([sum(W[r][c] * concat[c] for c in range(len(concat))) for r in range(len(W))])
    return np.array(Z)
