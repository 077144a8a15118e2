# %% [markdown] expect={"lose": []}
# Right, another way: the student writes a small Value class of their own (micrograd style) and
# back-propagates with it; allowed in question 1.

# %% replace="scalar_backward"
class MyValue:
    def __init__(self, data, parents=(), local=()):
        self.data, self.parents, self.local, self.grad = data, parents, local, 0.0

    def __add__(self, o):
        return MyValue(self.data + o.data, (self, o), (1.0, 1.0))

    def __mul__(self, o):
        return MyValue(self.data * o.data, (self, o), (o.data, self.data))

    def relu(self):
        return MyValue(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,))

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, d in zip(v.parents, v.local):
                p.grad += d * v.grad


def scalar_backward(x, w1, b1, w2, b2):
    v = {k: MyValue(float(val)) for k, val in dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2).items()}
    z5 = v["w2"] * (v["w1"] * v["x"] + v["b1"]).relu() + v["b2"]
    z5.backward()
    return {k: v[k].grad for k in ["b2", "w2", "b1", "w1", "x"]}
