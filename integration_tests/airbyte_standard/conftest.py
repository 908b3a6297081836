"""airbyte-cdk's pytest hooks (--connector-image, --read-from-streams, the scenario
parametrization). This folder is its own pytest root (pytest.ini here), run by
integration_tests/test_image.py::test_airbyte_cdk_standard_suite, not by the main session."""
pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
