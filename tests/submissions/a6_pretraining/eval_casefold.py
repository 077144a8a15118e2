# %% [markdown] expect={"lose": []}
# Right, written differently: str.casefold and an explicit loop.

# %% replace="evaluate_places"
def evaluate_places(true_places, predicted_places):
    if len(true_places) != len(predicted_places):
        raise ValueError("need one prediction per true place")
    correct = 0
    for i in range(len(true_places)):
        if true_places[i].strip().casefold() == predicted_places[i].strip().casefold():
            correct += 1
    return (len(true_places), correct)
