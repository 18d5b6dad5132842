"""Metrics on a labeled set: P/R/F1 per label, macro-F1, confusion, abstain rate, legal recall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from inbox.models import LABELS

LEGAL = "legal_question"
_DRAFTABLE = ("status_request", "billing_query")  # the labels a draft is made for


@dataclass(frozen=True)
class Report:
    n: int
    accuracy: float
    per_label: dict[str, dict[str, float]]
    macro_f1: float
    confusion: list[list[int]]
    abstain_rate: float
    legal_recall: float
    legal_as_draftable: int  # legal questions labeled status or billing: the costly error
    # ...and of those, the ones no person is asked to look at first: a draft is made
    # (None in reports kept before it was counted)
    legal_drafted: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "legal_recall": round(self.legal_recall, 4),
            "abstain_rate": round(self.abstain_rate, 4),
            "legal_as_draftable": self.legal_as_draftable,
            "legal_drafted": self.legal_drafted,
            "per_label": self.per_label,
            "confusion": {"labels": list(LABELS), "rows_true_cols_predicted": self.confusion},
        }

    @classmethod
    def from_dict(cls, stored: dict[str, object]) -> Report:
        """A report kept in a model file's metadata (as_dict), to print it again."""
        confusion = stored["confusion"]
        assert isinstance(confusion, dict)
        return cls(
            n=int(stored["n"]),  # type: ignore[call-overload]
            accuracy=float(stored["accuracy"]),  # type: ignore[arg-type]
            per_label=stored["per_label"],  # type: ignore[arg-type]
            macro_f1=float(stored["macro_f1"]),  # type: ignore[arg-type]
            confusion=confusion["rows_true_cols_predicted"],
            abstain_rate=float(stored["abstain_rate"]),  # type: ignore[arg-type]
            legal_recall=float(stored["legal_recall"]),  # type: ignore[arg-type]
            legal_as_draftable=int(stored["legal_as_draftable"]),  # type: ignore[call-overload]
            legal_drafted=stored.get("legal_drafted"),  # type: ignore[arg-type]
        )

    def text(self) -> str:
        lines = [
            f"messages: {self.n}",
            f"accuracy: {self.accuracy:.3f}",
            f"macro-F1: {self.macro_f1:.3f}",
            f"legal-question recall: {self.legal_recall:.3f}",
            f"legal questions labeled status/billing: {self.legal_as_draftable}"
            + (
                f" ({self.legal_drafted} not sent to a person first)"
                if self.legal_drafted is not None
                else ""
            ),
            f"abstain (needs_triage) rate: {self.abstain_rate:.3f}",
            "",
            f"{'label':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}",
        ]
        for label in LABELS:
            m = self.per_label[label]
            lines.append(
                f"{label:<16} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                f"{int(m['support']):>8}"
            )
        short = [label.split("_")[0][:7] for label in LABELS]
        lines += [
            "",
            "confusion (rows: true, columns: predicted)",
            " " * 16 + " ".join(f"{s:>7}" for s in short),
        ]
        for label, row in zip(LABELS, self.confusion, strict=True):
            lines.append(f"{label:<16}" + " ".join(f"{v:>7}" for v in row))
        return "\n".join(lines)


def evaluate(truth: Sequence[str], predicted: Sequence[str], abstained: Sequence[bool]) -> Report:
    labels = list(LABELS)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_label = {
        label: {
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    n = len(truth)
    legal_total = sum(1 for t in truth if t == LEGAL)
    return Report(
        n=n,
        accuracy=sum(t == p for t, p in zip(truth, predicted, strict=True)) / n if n else 0.0,
        per_label=per_label,
        macro_f1=float(sum(f1) / len(labels)),
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
        abstain_rate=sum(abstained) / n if n else 0.0,
        legal_recall=float(recall[labels.index(LEGAL)]) if legal_total else 1.0,
        legal_as_draftable=sum(
            1 for t, p in zip(truth, predicted, strict=True) if t == LEGAL and p in _DRAFTABLE
        ),
        legal_drafted=sum(
            1
            for t, p, a in zip(truth, predicted, abstained, strict=True)
            if t == LEGAL and p in _DRAFTABLE and not a
        ),
    )
