"""The editorial web UI and the public fact-check pages (DESIGN §5), by area."""

from .articles import article_detail, article_import, article_list, log_claim
from .claimants import claimant_detail
from .claims import (
    appearance_add,
    claim_assign,
    claim_bulk,
    claim_detail,
    claim_edit,
    claim_export,
    claim_list,
    claim_restore,
    claim_transition,
    claim_trash,
    evidence_add,
    evidence_remove,
    trash_list,
)
from .dashboard import dashboard, home
from .finding import archive, claim_merge, factcheck_evidence, match_panel, similar_panel
from .inbox import (
    article_import_url,
    comment_add,
    comment_edit,
    feed_detail,
    feed_list,
    feed_poll,
    notification_list,
    notification_read,
)
from .pickers import pick
from .public import CorrectionsFeed, FactCheckFeed
from .public import corrections as factcheck_corrections
from .public import detail as factcheck_detail
from .public import index as factcheck_index
from .reading import appearance_confirm, appearance_reattach, article_edit

__all__ = [
    "pick",
    "CorrectionsFeed",
    "archive",
    "claim_merge",
    "factcheck_evidence",
    "match_panel",
    "similar_panel",
    "FactCheckFeed",
    "factcheck_corrections",
    "appearance_add",
    "article_import_url",
    "comment_add",
    "comment_edit",
    "feed_detail",
    "feed_list",
    "feed_poll",
    "notification_list",
    "notification_read",
    "appearance_confirm",
    "appearance_reattach",
    "article_edit",
    "article_detail",
    "article_import",
    "article_list",
    "claim_assign",
    "claim_bulk",
    "claimant_detail",
    "claim_detail",
    "claim_edit",
    "claim_export",
    "claim_list",
    "claim_restore",
    "claim_transition",
    "claim_trash",
    "dashboard",
    "evidence_add",
    "evidence_remove",
    "factcheck_detail",
    "factcheck_index",
    "home",
    "log_claim",
    "trash_list",
]
