# %% [markdown] expect={"lose": ["test_evaluate_places", "test_evaluate_places_hidden"]}
# Wrong: exact, case-sensitive comparison ("oslo " is not counted for "Oslo").

# %% replace="evaluate_places"
def evaluate_places(true_places, predicted_places):
    if len(true_places) != len(predicted_places):
        raise ValueError("lengths differ")
    return len(true_places), sum(t == p for t, p in zip(true_places, predicted_places))
