"""flowsim's tests, in folders that mirror the packages of src/flowsim (cross-cutting ones here)."""
