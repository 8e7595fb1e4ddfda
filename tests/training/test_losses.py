"""The InfoNCE used in training against a value computed by hand."""

import math

import torch

from tryon.models.matcher import symmetric_info_nce


def test_symmetric_info_nce_matches_hand_computation():
    image = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    text = torch.tensor([[0.8, 0.6], [0.0, 1.0]])
    scale = torch.tensor(2.0)
    # Similarities: s = [[0.8, 0.0], [0.96, 0.8]]; logits = 2 * s.
    logits = [[1.6, 0.0], [1.92, 1.6]]

    def ce(row, label):
        return -row[label] + math.log(sum(math.exp(v) for v in row))

    rows = (ce(logits[0], 0) + ce(logits[1], 1)) / 2
    cols = (ce([logits[0][0], logits[1][0]], 0) + ce([logits[0][1], logits[1][1]], 1)) / 2
    expected = 0.5 * (rows + cols)
    got = symmetric_info_nce(image, text, scale)
    assert math.isclose(float(got), expected, rel_tol=1e-6)
    # Matching pairs closer than the mismatches: swapping the texts must raise the loss.
    assert float(symmetric_info_nce(image, text.flip(0), scale)) > float(got)
