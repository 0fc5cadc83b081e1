"""Registry (台帳): projects, local governments, councils, contacts, programmes, symposia."""
