"""Anonymous pulse check-ins: pulses, rounds, answers, and the jobs that open and close them."""
