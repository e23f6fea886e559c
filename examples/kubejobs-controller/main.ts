import { App, Chart } from 'cdk8s';
import { KubejobsController, LogLevel } from 'kubejobs';

// Installs the kubejobs CRDs and the controller (two replicas with leader election).
const app = new App();
const chart = new Chart(app, 'kubejobs-system');

new KubejobsController(chart, 'kubejobs', {
  replicas: 2,
  logLevel: LogLevel.INFO,
});

app.synth();
