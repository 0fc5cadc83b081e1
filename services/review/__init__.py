"""Review (審査): continuation review and the smart-city joint review (合同審査)."""
