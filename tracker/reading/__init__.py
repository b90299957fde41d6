"""Reading aids (DESIGN §7): anchoring quotes, finding them again after edits, check-worthy sentences."""
