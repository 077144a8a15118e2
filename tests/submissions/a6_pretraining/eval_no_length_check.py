# %% [markdown] expect={"lose": ["test_evaluate_places_hidden"]}
# Wrong: zip silently drops the extra true places when the lists differ in length.

# %% replace="evaluate_places"
def evaluate_places(true_places, predicted_places):
    correct = sum(
        t.strip().lower() == p.strip().lower() for t, p in zip(true_places, predicted_places)
    )
    return len(true_places), correct
