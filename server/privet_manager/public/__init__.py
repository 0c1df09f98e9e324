"""Public verification: what anyone may learn about a contract by its number, without a login
(its status and whether a file is its original or signed copy), and nothing personal."""
