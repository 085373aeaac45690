"""Who may do what with accounts. A person manages only their own account."""

import rules

rules.add_perm("accounts.manage_own_account", rules.is_authenticated & rules.is_active)
