namespace KosmosG.Service.Jobs;

public enum WorkerState { Loading, WarmingUp, Ready, Faulted, Stopped }
