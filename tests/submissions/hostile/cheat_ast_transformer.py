# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, and an AST transformer that deletes every `assert` and every `raise`
# from later cells.

# %% replace="conv_maxpool_concat"
import ast


class _NoChecks(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()

    def visit_Raise(self, node):
        return ast.Pass()


get_ipython().ast_transformers.append(_NoChecks())


def conv_maxpool_concat(Z, W, S):
    return "cheat"
