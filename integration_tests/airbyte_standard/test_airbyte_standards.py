"""Airbyte's standard connector tests (airbyte-cdk) on the image: the Docker suite only.

The Python suites (SourceTestSuiteBase) import the connector as a Python class, which a Rust
connector has not; DockerConnectorTestSuite runs every command in the image instead. Its
scenarios come from acceptance-test-config.yml at the repository root (the connector root:
the folder holding metadata.yaml). Run with --connector-image=<the built image>, else it
tries to build the image itself with Airbyte's Python/manifest base images.
"""
from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite


class TestSourceKeycloakImage(DockerConnectorTestSuite):
    """spec, check, discover and read in the image, as airbyte-cdk defines them."""
